// Bench references and test doubles are not part of the suite; their coverage means nothing.
// json-summary feeds the gate (npm run coverage:gate, in CI): 100% of lines and functions, 95% of branches.
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["html", "text", "json", "json-summary"],
};

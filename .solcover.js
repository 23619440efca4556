// Bench references and test doubles are not part of the suite; their coverage means nothing.
module.exports = {
  skipFiles: ["mocks/"],
};

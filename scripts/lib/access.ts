import path from "node:path";

import { ACCESS, ANYONE } from "../../config/access";
import { FUNCTION_ROLES, GOVERNANCE, ROLES, type RoleName } from "../../config/roles";
import { type SuiteSpec, loadParameters } from "./parameters";

/** config/access.ts as Markdown: per contract, each state-changing function and who may call it. */
export function accessMarkdown(): string {
  const lines = [
    "# Who may do what",
    "",
    "Generated from `config/access.ts` by `npm run access`; `test/security/AccessMatrix.test.ts` calls every",
    "function below as every actor (admin, governor, guardian role, treasurer, registrar, each institution kind,",
    "a suspended hospital, a patient, the patient's guardian, the claim treasury, a stranger) and checks each",
    "cell: the actors listed are not refused for who they are, every other actor is.",
    "",
  ];
  for (const [contract, functions] of Object.entries(ACCESS)) {
    lines.push(`## ${contract}`, "", "| function | who may call it |", "| --- | --- |");
    for (const [fn, who] of Object.entries(functions)) {
      const text = who === ANYONE ? "anyone" : who.length === 0 ? "nobody (see config/access.ts)" : who.join(", ");
      lines.push(`| \`${fn}\` | ${text} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** The markers around a generated section in a hand-written Markdown file. */
export function markers(name: string): [string, string] {
  return [`<!-- generated: ${name} (npm run access) -->`, `<!-- end: ${name} -->`];
}

/** `text` with the section between the markers of `name` replaced by `body`; throws if the markers are missing. */
export function withGenerated(text: string, name: string, body: string): string {
  const [open, close] = markers(name);
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`no "${open}" … "${close}" section`);
  return text.slice(0, start + open.length) + "\n\n" + body.trimEnd() + "\n\n" + text.slice(end);
}

/**
 * The governance table of docs/GOVERNANCE.md and SECURITY.md, from config/roles.ts (GOVERNANCE, FUNCTION_ROLES) and the
 * two shipped parameter files' delays: what `test/security/Governance.test.ts` and `test/e2e/governance.test.ts` read back from a deployment of
 * each file.
 */
export function governanceMarkdown(parameterFiles: { name: string; spec: SuiteSpec }[]): string {
  const hours = (pick: (spec: SuiteSpec) => number) => parameterFiles.map(({ spec }) => `${pick(spec)} h`).join(" / ");
  const lines = [
    `| role | id | held by (parameter file) | delay (${parameterFiles.map((f) => f.name).join(" / ")}) | scheduled calls cancelled by | functions | can | limit |`,
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const byId = (Object.entries(GOVERNANCE) as [RoleName, (typeof GOVERNANCE)[RoleName]][]).sort(([a], [b]) =>
    Number(ROLES[a] - ROLES[b]),
  );
  for (const [role, policy] of byId) {
    const functions = Object.entries(FUNCTION_ROLES)
      .map(([contract, table]) => {
        const fns = Object.entries(table)
          .filter(([, r]) => r === role)
          .map(([fn]) => `\`${fn}\``);
        return fns.length > 0 ? `${contract}: ${fns.join(", ")}` : "";
      })
      .filter((s) => s !== "")
      .join("; ");
    const delay = policy.executionDelay === "governor" ? hours((s) => s.governance.governorDelayHours) : "none";
    const canceller = policy.executionDelay === "none" ? "— (immediate)" : policy.canceller;
    const limit = policy.limit.replace(
      "the onboarding delay",
      `the onboarding delay (${hours((s) => s.governance.onboardingDelayHours)})`,
    );
    lines.push(
      `| \`${role}\` | ${ROLES[role]} | \`governance.${policy.holder}\` | ${delay} | ${canceller} | ${functions || "the access manager's own functions"} | ${policy.can} | ${limit} |`,
    );
  }
  return lines.join("\n");
}

/** The hand-written documents that carry the generated governance table. */
export const GOVERNANCE_DOCS = ["docs/GOVERNANCE.md", "SECURITY.md"] as const;

/** The shipped parameter files, whose delays the governance table shows. */
export function shippedParameterFiles(): { name: string; spec: SuiteSpec }[] {
  const dir = path.join(__dirname, "..", "..", "deploy", "parameters");
  return ["localhost", "sepolia"].map((name) => ({ name, spec: loadParameters(path.join(dir, `${name}.json`)) }));
}

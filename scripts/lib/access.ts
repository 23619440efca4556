import { ACCESS, ANYONE } from "../../config/access";

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

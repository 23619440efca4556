/**
 * An insurer's console: its programmes with their funds (free and reserved), a deposit, and the review queue of
 * claims waiting for a decision before their deadline (a claim left past it is decided by default, so the queue
 * shows the time left), with approve and reject.
 */
import { useContext, useState } from "react";
import { type ClaimView, type ProgrammeView } from "@miip/sdk";
import { parseUnits } from "ethers";

import { LanguageContext, useT } from "../i18n.tsx";
import { useApp } from "../state.ts";
import { formatAmount, formatDate, useAction, useLoad } from "../ui.tsx";

export default function InsurerPage() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const identity = useApp().identity!;
  const insurerId = identity.role.kind === "institution" ? identity.role.id : 0;
  const miip = identity.miip;
  const data = useLoad(async () => {
    const escrow = miip.contracts.claims;
    const opened = await miip.history.logs(escrow, escrow.filters.ProgrammeOpened(undefined, insurerId));
    const programmes: ProgrammeView[] = [];
    const queue: ClaimView[] = [];
    for (const log of opened) {
      const programmeId = log.args.programmeId as bigint;
      programmes.push(await miip.claims.programme(programmeId));
      const filed = await miip.history.logs(escrow, escrow.filters.ClaimFiled(undefined, programmeId));
      for (const claim of filed) {
        const view = await miip.claims.get(claim.args.claimId as bigint);
        if (view.status === "pending") queue.push(view);
      }
    }
    queue.sort((a, b) => a.deadline - b.deadline);
    return { programmes, queue, now: await miip.now() };
  }, [insurerId]);
  const action = useAction();
  const [deposit, setDeposit] = useState("1000");
  const [reasons, setReasons] = useState<Record<string, string>>({});
  return (
    <section aria-labelledby="insurer-title">
      <h1 id="insurer-title">{t("roles_insurer")}</h1>
      {data.view}
      <h2>{t("programmes")}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t("funds")}</th>
            <th scope="col">{t("reserved")}</th>
            <th scope="col">{t("autoApprove")}</th>
            <th scope="col">{t("deposit")}</th>
          </tr>
        </thead>
        <tbody>
          {data.data?.programmes.map((p) => (
            <tr key={p.programmeId.toString()} data-programme={p.programmeId.toString()}>
              <td>{p.programmeId.toString()}</td>
              <td>{formatAmount(p.free)} IST</td>
              <td>{formatAmount(p.reserved)} IST</td>
              <td>{formatAmount(p.autoApproveThreshold)} IST</td>
              <td>
                <label>
                  <span className="sr-only">{t("deposit")}</span>
                  <input inputMode="decimal" size={8} value={deposit} onChange={(e) => setDeposit(e.target.value)} />
                </label>{" "}
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() =>
                    action.run(() => miip.claims.deposit(p.programmeId, parseUnits(deposit, 18))).then(data.reload)
                  }
                >
                  {t("deposit")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {action.view}
      <h2>{t("reviewQueue")}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t("patientId")}</th>
            <th scope="col">{t("amount")}</th>
            <th scope="col">{t("deadline")}</th>
            <th scope="col">{t("reason")}</th>
            <th scope="col">
              <span className="sr-only">{t("decision")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data.data?.queue.map((c) => {
            const id = c.claimId.toString();
            return (
              <tr key={id} data-claim={id}>
                <td>{id}</td>
                <td>{c.patientId.toString()}</td>
                <td>{formatAmount(c.due)} IST</td>
                <td>
                  {formatDate(c.deadline, language, true)} (
                  {t("daysLeft", { days: Math.max(0, Math.ceil((c.deadline - data.data!.now) / 86_400)) })})
                </td>
                <td>
                  <label>
                    <span className="sr-only">{t("reason")}</span>
                    <input
                      value={reasons[id] ?? ""}
                      onChange={(e) => setReasons({ ...reasons, [id]: e.target.value })}
                    />
                  </label>
                </td>
                <td>
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() =>
                      action
                        .run(() => miip.claims.approve(c.claimId, c.due, reasons[id] || "approved"))
                        .then(data.reload)
                    }
                  >
                    {t("approve")}
                  </button>{" "}
                  <button
                    type="button"
                    disabled={action.busy || !reasons[id]}
                    onClick={() => action.run(() => miip.claims.reject(c.claimId, reasons[id])).then(data.reload)}
                  >
                    {t("reject")}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {data.data?.queue.length === 0 && <p>{t("none")}</p>}
    </section>
  );
}

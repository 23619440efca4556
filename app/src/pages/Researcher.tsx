/**
 * A researcher's console (or a manufacturer's, which may buy data too): its data requests with their money (the
 * budget escrowed, what patients were paid, what is owed to contributions still being decided, what came back),
 * a form to open a request, and each request's contributions: read (logged in the patient's access trail first),
 * accept, or contest within the window with a reason and evidence; close, and refund what is left.
 */
import { type FormEvent, useContext, useState } from "react";
import { type ContributionView, type DataRequestView, type InstitutionView, type OpenedContribution } from "@miip/sdk";
import { parseUnits } from "ethers";

import { LanguageContext, label, useT } from "../i18n.tsx";
import { ensureSession } from "../session.tsx";
import { useApp } from "../state.ts";
import { RecordTypeSelect } from "../fields.tsx";
import { Notice, formatAmount, formatDate, useAction, useLoad } from "../ui.tsx";
import { PublishKey } from "./PublishKey.tsx";

const DAY = 86_400;

interface RequestRow {
  request: DataRequestView;
  contributions: ContributionView[];
}

export default function ResearcherPage() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const identity = useApp().identity!;
  const researcherId = identity.role.kind === "institution" ? identity.role.id : 0;
  const miip = identity.miip;
  const data = useLoad(async () => {
    const market = miip.contracts.market;
    const opened = await miip.history.logs(market, market.filters.RequestOpened(undefined, researcherId));
    const rows: RequestRow[] = [];
    for (const log of [...opened].reverse()) {
      const request = await miip.market.request(log.args.requestId as bigint);
      rows.push({
        request,
        contributions: (await miip.market.contributionsOf(request.requestId, { limit: 200 })).entries,
      });
    }
    const agencies = (await miip.participants.list({ limit: 200 })).entries.filter(
      (i: InstitutionView) => i.kind === "public-health-agency" && i.status === "active",
    );
    return { rows, agencies, now: await miip.now() };
  }, [researcherId]);
  const action = useAction();
  const [recordType, setRecordType] = useState("lab-result");
  const [price, setPrice] = useState("10");
  const [max, setMax] = useState("3");
  const [days, setDays] = useState("30");
  const [terms, setTerms] = useState("");
  const [rules, setRules] = useState("");
  const [arbitrator, setArbitrator] = useState("");
  const [opened, setOpened] = useState<Record<string, OpenedContribution>>({});
  const [reasons, setReasons] = useState<Record<string, string>>({});

  const open = (e: FormEvent) => {
    e.preventDefault();
    const agency = Number(arbitrator || data.data?.agencies[0]?.id || 0);
    void action
      .run(
        async () => {
          const now = await miip.now();
          return miip.market.openRequest({
            recordTypes: [recordType],
            from: now - 365 * DAY,
            to: now,
            terms: new TextEncoder().encode(terms),
            deidentification: new TextEncoder().encode(rules),
            price: parseUnits(price, 18),
            maxContributions: Number(max),
            deadline: now + Number(days) * DAY,
            arbitratorId: agency,
          });
        },
        (r) => t("requestOpened", { id: r.requestId, budget: formatAmount(r.budget) }),
      )
      .then(data.reload);
  };

  const read = async (c: ContributionView) => {
    await ensureSession(identity);
    const result = await action.run(() => miip.market.open(c.contributionId), null);
    if (result) setOpened({ ...opened, [c.contributionId.toString()]: result });
    data.reload();
  };

  return (
    <section aria-labelledby="researcher-title">
      <h1 id="researcher-title">
        {label(t, "roles", identity.role.kind === "institution" ? identity.role.type : "other")}
      </h1>
      <PublishKey hint="publishKeyHintResearcher" />
      {data.view}
      {action.view}
      <h2>{t("openRequest")}</h2>
      <form onSubmit={open} className="panel">
        <RecordTypeSelect label={t("recordType")} value={recordType} onChange={setRecordType} />
        <label>
          {t("pricePerContribution")}
          <input
            required
            inputMode="decimal"
            pattern="[0-9]+(\.[0-9]+)?"
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
        </label>
        <label>
          {t("maxContributions")}
          <input required inputMode="numeric" pattern="[0-9]+" value={max} onChange={(e) => setMax(e.target.value)} />
        </label>
        <label>
          {t("daysOpen")}
          <input required inputMode="numeric" pattern="[0-9]+" value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
        <label>
          {t("arbitrator")}{" "}
          <select value={arbitrator} onChange={(e) => setArbitrator(e.target.value)}>
            {data.data?.agencies.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("terms")}
          <textarea required value={terms} onChange={(e) => setTerms(e.target.value)} />
        </label>
        <label>
          {t("deidentificationRules")}
          <textarea required value={rules} onChange={(e) => setRules(e.target.value)} />
        </label>
        <p className="hint">{t("budgetHint")}</p>
        <button type="submit" disabled={action.busy || !data.data?.agencies.length}>
          {t("openRequest")}
        </button>
      </form>

      <h2>{t("myRequests")}</h2>
      {data.data?.rows.length === 0 && <p>{t("none")}</p>}
      {data.data?.rows.map(({ request: r, contributions }) => {
        const id = r.requestId.toString();
        return (
          <article key={id} className="panel" data-request={id} aria-labelledby={`request-${id}`}>
            <h3 id={`request-${id}`}>
              {t("request")} #{id} · {r.recordTypes.map((name) => label(t, "type", name)).join(", ")} ·{" "}
              {r.closed ? t("closed") : r.open ? t("openNow") : t("full")}
            </h3>
            <p>
              {t("budget")}: {formatAmount(r.budget)} IST · {t("paidToPatients")}: {formatAmount(r.paid)} IST ·{" "}
              {t("owedPending", { count: r.pending })} · {t("refunded")}: {formatAmount(r.refunded)} IST ·{" "}
              {t("deadline")}: {formatDate(r.deadline, language, true)}
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t("patientId")}</th>
                  <th scope="col">{t("claimStatus")}</th>
                  <th scope="col">{t("reason")}</th>
                  <th scope="col">
                    <span className="sr-only">{t("decision")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {contributions.map((c) => {
                  const key = c.contributionId.toString();
                  const contestable = c.status === "delivered" && data.data!.now <= c.contestBy;
                  return (
                    <tr key={key} data-contribution={key}>
                      <td>{key}</td>
                      <td>{c.patientId.toString()}</td>
                      <td>
                        {label(t, "status", c.status)}
                        {contestable && ` (${t("contestUntil", { date: formatDate(c.contestBy, language, true) })})`}
                      </td>
                      <td>
                        {contestable && (
                          <label>
                            <span className="sr-only">{t("reason")}</span>
                            <input
                              value={reasons[key] ?? ""}
                              onChange={(e) => setReasons({ ...reasons, [key]: e.target.value })}
                            />
                          </label>
                        )}
                      </td>
                      <td>
                        <button type="button" disabled={action.busy} onClick={() => void read(c)}>
                          {t("readContribution")}
                        </button>{" "}
                        {c.status === "delivered" && (
                          <button
                            type="button"
                            disabled={action.busy}
                            onClick={() =>
                              action
                                .run(
                                  () => miip.market.accept(c.contributionId),
                                  (x) => t("paidPatient", { amount: formatAmount(x.paid) }),
                                )
                                .then(data.reload)
                            }
                          >
                            {t("accept")}
                          </button>
                        )}{" "}
                        {contestable && (
                          <button
                            type="button"
                            disabled={action.busy || !reasons[key] || !opened[key]}
                            title={opened[key] ? undefined : t("readFirst")}
                            onClick={() =>
                              action
                                .run(async () => {
                                  const evidence = new TextEncoder().encode(
                                    `${reasons[key]}: ${JSON.stringify(opened[key].documents)}`,
                                  );
                                  const digest = await crypto.subtle.digest("SHA-256", evidence);
                                  const hex =
                                    "0x" +
                                    [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
                                  return miip.market.contest(c.contributionId, reasons[key].slice(0, 31), hex);
                                })
                                .then(data.reload)
                            }
                          >
                            {t("contest")}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {contributions.length === 0 && <p>{t("none")}</p>}
            {contributions.map((c) => {
              const copy = opened[c.contributionId.toString()];
              return copy ? (
                <figure key={c.contributionId.toString()} className="document">
                  <figcaption>
                    {t("contribution")} #{c.contributionId.toString()}
                  </figcaption>
                  {copy.documents.map((d, i) => (
                    <pre key={i} data-format={d.format}>
                      {d.document}
                    </pre>
                  ))}
                </figure>
              ) : null;
            })}
            <p>
              {!r.closed && (
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() =>
                    action
                      .run(
                        () => miip.market.close(r.requestId),
                        (x) => t("refundedNow", { amount: formatAmount(x.refunded) }),
                      )
                      .then(data.reload)
                  }
                >
                  {t("closeRequest")}
                </button>
              )}
              {r.closed && r.refundable > 0n && (
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() =>
                    action
                      .run(
                        () => miip.market.refund(r.requestId),
                        (x) => t("refundedNow", { amount: formatAmount(x.refunded) }),
                      )
                      .then(data.reload)
                  }
                >
                  {t("refund")} ({formatAmount(r.refundable)} IST)
                </button>
              )}
            </p>
          </article>
        );
      })}
      <Notice>{t("researcherHint")}</Notice>
    </section>
  );
}

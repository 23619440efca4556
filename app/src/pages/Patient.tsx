/**
 * The patient portal: records, consent, guardians, emergency access, the access trail, claims, bills, research
 * (studies, contributions, earnings), medicines and devices (personal devices, followers, writers, own notes). Every
 * action is signed by the patient's wallet and sent by the relayer: the patient needs no ETH.
 */
import { type FormEvent, useContext, useEffect, useMemo, useState } from "react";
import {
  type ClaimView,
  type InstitutionView,
  type HistoryEntry,
  type MIIP,
  type PairingAnswer,
  PURPOSE_NAMES,
  RECORD_TYPE_NAMES,
  type RecordEntry,
} from "@miip/sdk";
import { ZeroHash } from "ethers";

import { type MessageKey, type Translate, LanguageContext, label, useT } from "../i18n.tsx";
import { type Identity, ensureSession } from "../session.tsx";
import { useApp } from "../state.ts";
import { RecordTypeSelect } from "../fields.tsx";
import { PublishKey } from "./PublishKey.tsx";
import { Notice, Pager, formatAmount, formatDate, short, useAction, useLoad } from "../ui.tsx";

const TABS = [
  "timeline",
  "consent",
  "guardians",
  "emergency",
  "trail",
  "claims",
  "bills",
  "research",
  "medicines",
  "devices",
] as const;
type Tab = (typeof TABS)[number];
const PAGE = 20;
/** How many of the patient's latest consent and account events the grants, guardians and emergency lists read. */
const HISTORY = 500;

function usePatient(): { identity: Identity; patientId: bigint; miip: MIIP; reader: MIIP } {
  const app = useApp();
  const identity = app.identity!;
  if (identity.role.kind !== "patient") throw new Error("not a patient");
  return { identity, patientId: identity.role.patientId, miip: identity.miip, reader: app.reader };
}

/** The active institutions (the first 200 of the directory) that `keep` keeps: whom a patient chooses from. */
function useInstitutions(reader: MIIP, keep: (institution: InstitutionView) => boolean) {
  return useLoad(
    async () =>
      (await reader.participants.list({ limit: 200 })).entries.filter((i) => i.status === "active" && keep(i)),
    [],
  );
}

/** Institution names by id, loaded once per page. */
function useInstitutionNames(reader: MIIP) {
  const [names] = useState(() => new Map<number, Promise<string>>());
  return (id: number) => {
    let name = names.get(id);
    if (!name) {
      name = reader.participants.get(id).then(
        (i) => i.name,
        () => `#${id}`,
      );
      names.set(id, name);
    }
    return name;
  };
}

function InstitutionName({ id, names }: { id: number; names: (id: number) => Promise<string> }) {
  const { data } = useLoad(() => names(id), [id]);
  return <>{data ?? `#${id}`}</>;
}

export default function PatientPage() {
  const t = useT();
  const [tab, setTab] = useState<Tab>("timeline");
  return (
    <section aria-labelledby="patient-title">
      <h1 id="patient-title">{t("roles_patient")}</h1>
      <PublishKey />
      <div role="tablist" aria-label={t("roles_patient")} className="tabs">
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`panel-${name}`}
            onClick={() => setTab(name)}
          >
            {t(name)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "timeline" && <Timeline />}
        {tab === "consent" && <Consent />}
        {tab === "guardians" && <Guardians />}
        {tab === "emergency" && <Emergency />}
        {tab === "trail" && <Trail />}
        {tab === "claims" && <Claims />}
        {tab === "bills" && <Bills />}
        {tab === "research" && <Research />}
        {tab === "medicines" && <Medicines />}
        {tab === "devices" && <Devices />}
      </div>
    </section>
  );
}

/**
 * The end of a list the SDK pages oldest first: at most `size` entries ending `fromNewest` before its last, still
 * oldest first, with the list's total. The timeline and the trail show it reversed; the histories read it in order.
 */
async function tail<T>(
  read: (page: { offset?: number; limit?: number }) => Promise<{ entries: T[]; total: number }>,
  size: number,
  fromNewest = 0,
): Promise<{ entries: T[]; total: number }> {
  const { total } = await read({ limit: 0 });
  const end = Math.max(0, total - fromNewest);
  const start = Math.max(0, end - size);
  const page = await read({ offset: start, limit: end - start });
  return { entries: page.entries, total };
}

/** A page of `tail`, newest first. */
async function newestFirst<T>(
  read: (page: { offset?: number; limit?: number }) => Promise<{ entries: T[]; total: number }>,
  size: number,
  fromNewest: number,
): Promise<{ entries: T[]; total: number }> {
  const { entries, total } = await tail(read, size, fromNewest);
  return { entries: [...entries].reverse(), total };
}

function typeLabel(t: Translate, name: string): string {
  return label(t, "type", name);
}

function Timeline() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const { patientId, miip, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const [offset, setOffset] = useState(0);
  const [type, setType] = useState("");
  const [issuer, setIssuer] = useState("");
  const records = useLoad(
    () => newestFirst((page) => reader.history.recordsOfPatient(patientId, page), PAGE, offset),
    [patientId, offset],
  );
  const [opened, setOpened] = useState<{ id: bigint; bytes: Uint8Array }>();
  const action = useAction();
  const shown = (records.data?.entries ?? []).filter(
    (r) => (!type || r.recordTypeName === type) && (!issuer || String(r.issuer) === issuer),
  );
  const issuers = [...new Set((records.data?.entries ?? []).map((r) => r.issuer))];
  const open = (record: RecordEntry) =>
    action.run(async () => {
      const bytes = await miip.documents.open(record.id, { purpose: "treatment" });
      setOpened({ id: record.id, bytes });
    });
  return (
    <>
      <h2>{t("timeline")}</h2>
      <div className="filters">
        <RecordTypeSelect label={t("recordType")} value={type} onChange={setType} any={t("filterAll")} />
        <label>
          {t("issuer")}{" "}
          <select value={issuer} onChange={(e) => setIssuer(e.target.value)}>
            <option value="">{t("filterAll")}</option>
            {issuers.map((id) => (
              <option key={id} value={String(id)}>
                #{id}
              </option>
            ))}
          </select>
        </label>
      </div>
      {records.view}
      {records.data && (
        <>
          <ul className="timeline" aria-label={t("timeline")}>
            {shown.map((record) => (
              <li key={record.id.toString()} data-record={record.id.toString()}>
                <div>
                  <strong>{typeLabel(t, record.recordTypeName)}</strong> · #{record.id.toString()}
                  {record.supersededBy !== 0n && (
                    <span className="tag">{t("amended", { id: record.supersededBy.toString() })}</span>
                  )}
                </div>
                <div className="meta">
                  {record.source === "hospital" ? (
                    <InstitutionName id={record.issuer} names={names} />
                  ) : (
                    <span className="tag" data-source={record.source}>
                      {label(t, "source", record.source)}
                      {record.source === "writer" && (
                        <>
                          {" "}
                          <InstitutionName id={record.sourceId} names={names} />
                        </>
                      )}
                      {record.source === "device" && ` #${record.sourceId}`}
                    </span>
                  )}{" "}
                  · {formatDate(record.issuedAt, language)}
                </div>
                <button type="button" disabled={action.busy} onClick={() => open(record)}>
                  {t("open")} <span className="sr-only">#{record.id.toString()}</span>
                </button>
              </li>
            ))}
            {shown.length === 0 && <li>{t("none")}</li>}
          </ul>
          <Pager offset={offset} size={PAGE} total={records.data.total} onChange={setOffset} />
        </>
      )}
      {action.view}
      {opened && <DocumentView id={opened.id} bytes={opened.bytes} onClose={() => setOpened(undefined)} />}
    </>
  );
}

/** A decrypted document: its text when it is text, and a download of its bytes either way. */
export function DocumentView({ id, bytes, onClose }: { id: bigint; bytes: Uint8Array; onClose(): void }) {
  const t = useT();
  const text = useMemo(() => {
    try {
      const decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, 64 * 1024));
      return /[\x00-\x08\x0e-\x1f]/.test(decoded) ? undefined : decoded;
    } catch {
      return undefined;
    }
  }, [bytes]);
  const url = useMemo(() => URL.createObjectURL(new Blob([Uint8Array.from(bytes)])), [bytes]);
  // The decrypted bytes are reachable through the URL until it is revoked: revoked when the view closes.
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <section className="panel document" aria-labelledby="document-title">
      <h3 id="document-title">{t("documentOf", { id: id.toString() })}</h3>
      {text !== undefined && <pre data-testid="document-text">{text}</pre>}
      <p>
        <a href={url} download={`record-${id}.bin`}>
          {t("download")}
        </a>{" "}
        ({bytes.length.toLocaleString()} B){" "}
        <button type="button" onClick={onClose}>
          {t("close")}
        </button>
      </p>
    </section>
  );
}

interface GrantRow {
  grantId: string;
  granteeId: number;
  purpose: string;
  scopeKind: number;
  scopeRef: bigint;
  expiresAt: number;
  live: boolean;
  revoked: boolean;
}

/** The patient's grants from the consent history, newest first, each with whether it is live now. */
async function grantsOf(reader: MIIP, patientId: bigint): Promise<GrantRow[]> {
  const history = await tail((page) => reader.history.consentHistory(patientId, page), HISTORY);
  const rows = new Map<string, GrantRow>();
  for (const entry of history.entries) {
    if (entry.event !== "ConsentGranted") continue;
    const a = entry.args;
    rows.set(a.grantId as string, {
      grantId: a.grantId as string,
      granteeId: Number(a.granteeId),
      purpose: PURPOSE_NAMES[Number(a.purpose)] ?? String(a.purpose),
      scopeKind: Number(a.scopeKind),
      scopeRef: a.scopeRef as bigint,
      expiresAt: Number(a.expiresAt),
      live: false,
      revoked: false,
    });
  }
  const list = [...rows.values()].reverse();
  await Promise.all(
    list.map(async (row) => {
      const grant = await reader.consent.getGrant(row.grantId);
      row.live = grant.live;
      row.revoked = grant.revoked;
      row.expiresAt = grant.expiresAt;
    }),
  );
  return list;
}

function Consent() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const { identity, patientId, miip, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const grants = useLoad(() => grantsOf(reader, patientId), [patientId]);
  const institutions = useInstitutions(reader, () => true);
  const action = useAction();
  const [grantee, setGrantee] = useState("");
  const [purpose, setPurpose] = useState("treatment");
  const [scopeType, setScopeType] = useState("");
  const [days, setDays] = useState(30);

  const grant = (event: FormEvent) => {
    event.preventDefault();
    const institution = institutions.data?.find((i) => i.account === grantee);
    if (!institution) return;
    void action
      .run(
        async () => {
          const now = await miip.now();
          const { grantIds } = await miip.consent.grant({
            grantee,
            purpose,
            scope: scopeType ? { kind: "record-type", types: [scopeType] } : { kind: "all-records" },
            expiresAt: now + days * 86_400,
          });
          // The grantee reads the documents with their keys: wrap each record's key in scope for it.
          const granteeKey = await identity.service.publicKeyOf(grantee);
          if (!granteeKey) return t("noGranteeKey", { name: institution.name });
          await ensureSession(identity);
          let count = 0;
          const { total } = await reader.history.recordsOfPatient(patientId, { limit: 0 });
          for (let offset = 0; offset < total; offset += 100) {
            const { ids } = await reader.records.idsOfPatient(patientId, { offset, limit: 100 });
            for (const id of ids) {
              const record = await reader.records.get(id);
              if (scopeType && record.recordTypeName !== scopeType) continue;
              await miip.documents.share({ recordId: id, grantee, granteePublicKey: granteeKey, grantId: grantIds[0] });
              count++;
            }
          }
          return t("sharedWith", { count, name: institution.name });
        },
        (message) => message,
      )
      .then(grants.reload);
  };

  return (
    <>
      <h2>{t("grantsActive")}</h2>
      {grants.view}
      {grants.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("grantee")}</th>
              <th scope="col">{t("purpose")}</th>
              <th scope="col">{t("scope")}</th>
              <th scope="col">{t("expires")}</th>
              <th scope="col">
                <span className="sr-only">{t("revoke")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {grants.data.map((g) => (
              <tr key={g.grantId} data-grant={g.grantId}>
                <td>
                  <InstitutionName id={g.granteeId} names={names} />
                </td>
                <td>{label(t, "purpose", g.purpose)}</td>
                <td>
                  {g.scopeKind === 0
                    ? t("scopeAll")
                    : g.scopeKind === 1
                      ? // One grant per record type: its reference is the type's number.
                        typeLabel(t, RECORD_TYPE_NAMES[Number(g.scopeRef)] ?? String(g.scopeRef))
                      : `#${g.scopeRef}`}
                </td>
                <td>{g.revoked ? t("revoked") : formatDate(g.expiresAt, language)}</td>
                <td>
                  {g.live && (
                    <button
                      type="button"
                      disabled={action.busy}
                      onClick={() => action.run(() => miip.consent.revoke(g.grantId)).then(grants.reload)}
                    >
                      {t("revoke")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={grant} className="panel" aria-labelledby="grant-title">
        <h3 id="grant-title">{t("grantTitle")}</h3>
        <label>
          {t("grantee")}
          <select required value={grantee} onChange={(e) => setGrantee(e.target.value)}>
            <option value="">—</option>
            {institutions.data?.map((i) => (
              <option key={i.id} value={i.account}>
                {i.name} ({label(t, "roles", i.kind)})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("purpose")}
          <select value={purpose} onChange={(e) => setPurpose(e.target.value)}>
            {Object.values(PURPOSE_NAMES).map((p) => (
              <option key={p} value={p}>
                {label(t, "purpose", p)}
              </option>
            ))}
          </select>
        </label>
        <RecordTypeSelect label={t("scope")} value={scopeType} onChange={setScopeType} any={t("scopeAll")} />
        <label>
          {t("expiry")}
          <input type="number" min={1} max={365} value={days} onChange={(e) => setDays(Number(e.target.value))} />
        </label>
        <p className="hint">{t("gasless")}</p>
        <button type="submit" disabled={action.busy || !grantee}>
          {t("grant")}
        </button>
      </form>
      {action.view}
    </>
  );
}

function Guardians() {
  const t = useT();
  const { patientId, miip, reader } = usePatient();
  const state = useLoad(async () => {
    const view = await reader.patients.get(patientId);
    const history = await tail((page) => reader.history.accountHistory(patientId, page), HISTORY);
    const guardians = new Map<string, number>();
    for (const e of history.entries) {
      if (e.event === "GuardianSet") guardians.set(e.args.commitment as string, Number(e.args.powers));
    }
    return { view, guardians: [...guardians].filter(([, powers]) => powers !== 0) };
  }, [patientId]);
  const action = useAction();
  const [address, setAddress] = useState("");
  const [threshold, setThreshold] = useState(1);
  const [appointed, setAppointed] = useState<string>();
  return (
    <>
      <h2>{t("guardians")}</h2>
      {state.view}
      {state.data && (
        <>
          <p>
            {t("threshold")}:{" "}
            <strong>
              {state.data.view.threshold} / {state.data.view.recoverers}
            </strong>
          </p>
          <ul>
            {state.data.guardians.map(([commitment, powers]) => (
              <li key={commitment}>
                <code>{short(commitment)}</code> · {t("powers")}:{" "}
                {[powers & 1 ? t("power_recover") : "", powers & 2 ? t("power_act") : ""].filter(Boolean).join(", ")}{" "}
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() => action.run(() => miip.patients.removeGuardian(commitment)).then(state.reload)}
                >
                  {t("remove")}
                </button>
              </li>
            ))}
            {state.data.guardians.length === 0 && <li>{t("none")}</li>}
          </ul>
        </>
      )}
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void action
            .run(async () => {
              const result = await miip.patients.appointGuardian(address, ["recover", "act"]);
              setAppointed(result.salt);
              return result;
            })
            .then(state.reload);
        }}
      >
        <label>
          {t("guardianAddress")}
          <input required pattern="0x[0-9a-fA-F]{40}" value={address} onChange={(e) => setAddress(e.target.value)} />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("appoint")}
        </button>
        <p className="hint">{t("guardianSaltHint")}</p>
        {appointed && (
          <p>
            <code>{appointed}</code>
          </p>
        )}
      </form>
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(() => miip.patients.setRecoveryThreshold(threshold)).then(state.reload);
        }}
      >
        <label>
          {t("threshold")}
          <input
            type="number"
            min={0}
            max={10}
            value={threshold}
            onChange={(e) => setThreshold(Number(e.target.value))}
          />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("setThreshold")}
        </button>
      </form>
      {action.view}
    </>
  );
}

function Emergency() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const { patientId, miip, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const events = useLoad(async () => {
    const history = await tail((page) => reader.history.consentHistory(patientId, page), HISTORY);
    return history.entries.filter((e) => e.event.startsWith("Emergency")).reverse();
  }, [patientId]);
  const hospitals = useInstitutions(reader, (i) => i.kind === "hospital");
  const blocked = useLoad(async () => {
    const states = await Promise.all(
      (hospitals.data ?? []).map(
        async (h) => [h.account, (await reader.consent.emergencyState(patientId, h.account)).blocked] as const,
      ),
    );
    return new Map(states);
  }, [hospitals.data, patientId]);
  const action = useAction();
  return (
    <>
      <h2>{t("emergency")}</h2>
      {hospitals.view}
      <ul>
        {hospitals.data?.map((h) => {
          const isBlocked = blocked.data?.get(h.account) ?? false;
          return (
            <li key={h.id}>
              {h.name}{" "}
              <button
                type="button"
                disabled={action.busy || blocked.loading}
                onClick={() =>
                  action.run(() => miip.consent.setEmergencyBlock(h.account, !isBlocked)).then(blocked.reload)
                }
              >
                {isBlocked ? t("emergencyUnblock") : t("emergencyBlock")}
              </button>
            </li>
          );
        })}
      </ul>
      {action.view}
      <h3>{t("emergencyEvents")}</h3>
      {events.view}
      <ul>
        {events.data?.map((e: HistoryEntry) => (
          <li key={`${e.transactionHash}-${e.logIndex}`}>
            {formatDate(e.timestamp, language, true)} · {e.event} ·{" "}
            {e.args.hospitalId !== undefined && <InstitutionName id={Number(e.args.hospitalId)} names={names} />}
          </li>
        ))}
        {events.data?.length === 0 && <li>{t("none")}</li>}
      </ul>
    </>
  );
}

function Trail() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const { patientId, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const [offset, setOffset] = useState(0);
  const trail = useLoad(
    () => newestFirst((page) => reader.history.accessTrail(patientId, page), PAGE, offset),
    [patientId, offset],
  );
  return (
    <>
      <h2>{t("trail")}</h2>
      {trail.view}
      {trail.data && (
        <>
          <table className="trail">
            <thead>
              <tr>
                <th scope="col">{t("when")}</th>
                <th scope="col">{t("reader")}</th>
                <th scope="col">{t("record")}</th>
                <th scope="col">{t("purpose")}</th>
                <th scope="col">{t("basis")}</th>
              </tr>
            </thead>
            <tbody>
              {trail.data.entries.map((e) => {
                if (e.event === "ContributionRead") {
                  // A researcher read what the patient contributed to its study (under the patient's opt-in).
                  return (
                    <tr
                      key={`${e.transactionHash}-${e.logIndex}`}
                      data-contribution-read={String(e.args.contributionId)}
                    >
                      <td>{formatDate(e.timestamp, language, true)}</td>
                      <td>
                        <InstitutionName id={Number(e.args.researcherId)} names={names} />
                      </td>
                      <td>
                        {t("contribution")} #{String(e.args.contributionId)}
                      </td>
                      <td>{label(t, "purpose", "research")}</td>
                      <td>{t("optIn")}</td>
                    </tr>
                  );
                }
                const basis = e.args.basis as string;
                return (
                  <tr key={`${e.transactionHash}-${e.logIndex}`}>
                    <td>{formatDate(e.timestamp, language, true)}</td>
                    <td>
                      <InstitutionName id={Number(e.args.readerId)} names={names} />
                    </td>
                    <td>#{String(e.args.recordId)}</td>
                    <td>{label(t, "purpose", PURPOSE_NAMES[Number(e.args.purpose)])}</td>
                    <td>
                      <code title={basis}>{basis === ZeroHash ? t("basis_owner") : short(basis)}</code>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {trail.data.total === 0 && <p>{t("none")}</p>}
          <Pager offset={offset} size={PAGE} total={trail.data.total} onChange={setOffset} />
        </>
      )}
    </>
  );
}

interface WaitingBill {
  billHash: string;
  hospitalId: number;
  amount: bigint;
  recordIds: bigint[];
}

function Claims() {
  const t = useT();
  const { patientId, miip, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const claims = useLoad(async () => {
    const escrow = reader.contracts.claims;
    const attested = await reader.history.logs(escrow, escrow.filters.BillAttested(undefined, undefined, patientId));
    const waiting: WaitingBill[] = [];
    for (const log of attested.reverse()) {
      const billHash = log.args.billHash as string;
      const state = await reader.claims.billState(billHash);
      if (!state.hospital || state.patient || state.cancelled) continue;
      const { bill, hospitalId } = await reader.claims.attestedBill(billHash);
      if (waiting.some((w) => w.billHash === billHash)) continue;
      waiting.push({ billHash, hospitalId, amount: bill.amount, recordIds: bill.recordIds.map(BigInt) });
    }
    const filed = await reader.history.logs(escrow, escrow.filters.ClaimFiled(undefined, undefined, patientId));
    const views: ClaimView[] = [];
    for (const log of filed.reverse()) views.push(await reader.claims.get(log.args.claimId as bigint));
    return { waiting, views };
  }, [patientId]);
  const action = useAction();
  return (
    <>
      <h2>{t("claimWaiting")}</h2>
      {claims.view}
      <ul>
        {claims.data?.waiting.map((w) => (
          <li key={w.billHash} data-bill={w.billHash}>
            <InstitutionName id={w.hospitalId} names={names} /> · {t("amount")}: {formatAmount(w.amount)} IST ·{" "}
            {t("record")} {w.recordIds.map((id) => `#${id}`).join(", ")}{" "}
            <button
              type="button"
              disabled={action.busy}
              onClick={() =>
                action
                  .run(
                    async () => {
                      const { bill } = await reader.claims.attestedBill(w.billHash);
                      return miip.claims.attest(bill);
                    },
                    (r) => label(t, "status", r.status),
                  )
                  .then(claims.reload)
              }
            >
              {t("claimConfirm")}
            </button>
          </li>
        ))}
        {claims.data?.waiting.length === 0 && <li>{t("none")}</li>}
      </ul>
      {action.view}
      <h2>{t("claimHistory")}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t("amount")}</th>
            <th scope="col">{t("claimStatus")}</th>
          </tr>
        </thead>
        <tbody>
          {claims.data?.views.map((c) => (
            <tr key={c.claimId.toString()} data-claim={c.claimId.toString()}>
              <td>{c.claimId.toString()}</td>
              <td>{formatAmount(c.due)} IST</td>
              <td>{label(t, "status", c.status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The prescriptions this device keeps (their secrets never leave it), by patient. */
function storedPrescriptions(patientId: bigint): { secret: string; hospitalId: number }[] {
  try {
    return JSON.parse(localStorage.getItem(`miip.prescriptions.${patientId}`) ?? "[]") as {
      secret: string;
      hospitalId: number;
    }[];
  } catch {
    return [];
  }
}

function Medicines() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const { patientId, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const [prescriptions, setPrescriptions] = useState(() => storedPrescriptions(patientId));
  const units = useLoad(async () => {
    const received = await reader.supply.receivedUnits(prescriptions);
    // Each unit's product and its current leaflet in the page's language (or the product's first).
    return Promise.all(
      received.map(async (unit) => {
        const batch = await reader.supply.batch(unit.batchId);
        const product = await reader.products.get(batch.gtin);
        const leaflet = await reader.products.currentLeaflet(batch.gtin, language).catch(() => undefined);
        return { ...unit, product: `${product.data.name} ${product.data.strength}`, lot: batch.lot, leaflet };
      }),
    );
  }, [prescriptions, language]);
  const [secret, setSecret] = useState("");
  const [hospitalId, setHospitalId] = useState(1);
  const pharmacies = useInstitutions(reader, (i) => i.kind === "pharmacy");
  const [pharmacy, setPharmacy] = useState("");
  const [authorization, setAuthorization] = useState<string>();
  const action = useAction();
  return (
    <>
      <h2>{t("authorizeFill")}</h2>
      <p className="hint">{t("authorizeFillHint")}</p>
      {prescriptions.map((p, i) => (
        <div className="panel" key={p.secret}>
          <label>
            {t("pharmacy")} #{i + 1}
            <select value={pharmacy} onChange={(e) => setPharmacy(e.target.value)}>
              <option value="">—</option>
              {pharmacies.data?.map((ph) => (
                <option key={ph.id} value={ph.account}>
                  {ph.name}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            disabled={!pharmacy || action.busy}
            onClick={() =>
              action.run(async () => {
                // Signed with the prescription's key, on this device: never the patient's wallet, never sent by us.
                const fill = await reader.supply.authorizeFill({
                  secret: p.secret,
                  hospitalId: p.hospitalId,
                  pharmacy,
                });
                setAuthorization(JSON.stringify({ ...fill, pharmacyId: fill.pharmacyId.toString() }));
              })
            }
          >
            {t("authorizeFill")}
          </button>
        </div>
      ))}
      {action.view}
      {authorization && (
        <pre data-testid="fill-authorization" aria-label={t("fillAuthorization")}>
          {authorization}
        </pre>
      )}
      <h2>{t("received")}</h2>
      {units.view}
      <ul>
        {units.data?.map((u) => (
          <li key={`${u.batchId}-${u.serial}`} className={u.recalled ? "recalled" : undefined}>
            <strong>{u.product}</strong> · {t("lot")} {u.lot} · {t("serial")} <code>{short(u.serial)}</code> ·{" "}
            <InstitutionName id={u.pharmacyId} names={names} />
            {u.leaflet && (
              <div className="meta">
                {t("leaflet")}: {u.leaflet.language} v{u.leaflet.version} · <code>{u.leaflet.uri}</code>
              </div>
            )}
            {u.recalled && (
              <Notice error>
                {t("recallNotice")}: {u.recallMessage}
              </Notice>
            )}
          </li>
        ))}
        {units.data?.length === 0 && <li>{t("none")}</li>}
      </ul>
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          const next = [...prescriptions, { secret, hospitalId }];
          localStorage.setItem(`miip.prescriptions.${patientId}`, JSON.stringify(next));
          setPrescriptions(next);
          setSecret("");
        }}
      >
        <label>
          {t("prescriptionKey")}
          <input required pattern="0x[0-9a-fA-F]{64}" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </label>
        <label>
          {t("issuer")}
          <input type="number" min={1} value={hospitalId} onChange={(e) => setHospitalId(Number(e.target.value))} />
        </label>
        <button type="submit">{t("addPrescription")}</button>
      </form>
    </>
  );
}

/**
 * Research: the studies the patient may join (their price, the record types they want, who decides contests, the
 * digest of their terms), opt in or withdraw, and contribute: the patient chooses records, sees the de-identified
 * copies its device made, and only then sends them (sealed for the researcher). Below, what it earned.
 */
function Research() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const { identity, patientId, miip, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const data = useLoad(async () => {
    const requests = (await reader.market.requests({ limit: 50 })).entries;
    const joined = await Promise.all(requests.map((r) => reader.market.participation(r.requestId, patientId)));
    const mine = (await reader.market.contributionsOfPatient(patientId, { limit: 200 })).entries;
    const prices = new Map(requests.map((r) => [r.requestId, r.price]));
    let earned = 0n;
    for (const c of mine) {
      if (c.status !== "paid") continue;
      earned += prices.get(c.requestId) ?? (await reader.market.request(c.requestId)).price;
    }
    const records = (await reader.history.recordsOfPatient(patientId, { limit: 200 })).entries;
    return { requests, joined, mine, earned, records };
  }, [patientId]);
  const action = useAction();
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const [review, setReview] = useState<{
    requestId: bigint;
    copies: string[];
    removed: string[];
    decide(ok: boolean): void;
  }>();

  const contribute = async (request: { requestId: bigint; researcherId: number }) => {
    const recordId = chosen[request.requestId.toString()];
    if (!recordId) return;
    await action.run(
      async () => {
        await ensureSession(identity);
        const researcher = await reader.participants.get(request.researcherId);
        const researcherPublicKey = await identity.service.publicKeyOf(researcher.account);
        // The research institute publishes its encryption key on the document service, as every institution does.
        if (!researcherPublicKey) throw new Error(t("researcherNoKey"));
        return miip.market.contribute({
          requestId: request.requestId,
          recordIds: [BigInt(recordId)],
          researcherPublicKey,
          review: (copies) =>
            new Promise<boolean>((resolve) =>
              setReview({
                requestId: request.requestId,
                copies: copies.map((c) => new TextDecoder().decode(c.document)),
                removed: copies.flatMap((c) => c.removed),
                decide: (ok) => {
                  setReview(undefined);
                  resolve(ok);
                },
              }),
            ),
        });
      },
      (r) => t("contributed", { id: r.contributionId }),
    );
    data.reload();
  };

  return (
    <>
      <h2>{t("studies")}</h2>
      <p className="hint">{t("researchHint")}</p>
      {data.view}
      {action.view}
      {review && (
        <section className="panel" aria-labelledby="review-title" data-review={review.requestId.toString()}>
          <h3 id="review-title">{t("reviewCopy")}</h3>
          <p className="hint">{t("reviewHint")}</p>
          {review.copies.map((copy, i) => (
            <pre key={i}>{copy}</pre>
          ))}
          <p>
            {t("removedFields")}: {review.removed.join("; ") || t("none")}
          </p>
          <button type="button" onClick={() => review.decide(true)}>
            {t("sendContribution")}
          </button>{" "}
          <button type="button" onClick={() => review.decide(false)}>
            {t("cancel")}
          </button>
        </section>
      )}
      <ul className="cards">
        {data.data?.requests.map((r, i) => {
          const id = r.requestId.toString();
          const { optedIn, delivered } = data.data!.joined[i];
          const eligible = data.data!.records.filter(
            (rec) =>
              r.recordTypes.includes(rec.recordTypeName) && r.sources.includes(rec.source) && rec.supersededBy === 0n,
          );
          return (
            <li key={id} data-study={id}>
              <strong>
                <InstitutionName id={r.researcherId} names={names} />
              </strong>{" "}
              · {r.recordTypes.map((name) => label(t, "type", name)).join(", ")} · {formatAmount(r.price)} IST{" "}
              {t("perContribution")} · {t("places", { left: r.maxContributions - r.delivered })} · {t("deadline")}:{" "}
              {formatDate(r.deadline, language)}
              <br />
              <span className="hint">
                {t("arbitrator")}: <InstitutionName id={r.arbitratorId} names={names} /> · {t("terms")}:{" "}
                <code title={r.termsDigest}>{short(r.termsDigest)}</code>
              </span>
              <br />
              {delivered ? (
                <span>{t("delivered")}</span>
              ) : !r.open ? (
                <span>{t("closed")}</span>
              ) : !optedIn ? (
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() => action.run(() => miip.market.optIn(r.requestId)).then(data.reload)}
                >
                  {t("optIn")}
                </button>
              ) : (
                <>
                  <label>
                    {t("record")}{" "}
                    <select value={chosen[id] ?? ""} onChange={(e) => setChosen({ ...chosen, [id]: e.target.value })}>
                      <option value="">—</option>
                      {eligible.map((rec) => (
                        <option key={rec.id.toString()} value={rec.id.toString()}>
                          #{rec.id.toString()} · {label(t, "type", rec.recordTypeName)} ·{" "}
                          {formatDate(rec.issuedAt, language)}
                        </option>
                      ))}
                    </select>
                  </label>{" "}
                  <button type="button" disabled={action.busy || !chosen[id]} onClick={() => void contribute(r)}>
                    {t("contribute")}
                  </button>{" "}
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() => action.run(() => miip.market.withdrawOptIn(r.requestId)).then(data.reload)}
                  >
                    {t("withdrawOptIn")}
                  </button>
                </>
              )}
            </li>
          );
        })}
        {data.data?.requests.length === 0 && <li>{t("none")}</li>}
      </ul>
      <h2>{t("earnings")}</h2>
      <p data-earned={data.data?.earned.toString()}>
        {t("earned")}: {data.data ? formatAmount(data.data.earned) : "…"} IST
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t("study")}</th>
            <th scope="col">{t("claimStatus")}</th>
          </tr>
        </thead>
        <tbody>
          {data.data?.mine.map((c) => (
            <tr key={c.contributionId.toString()} data-contribution={c.contributionId.toString()}>
              <td>{c.contributionId.toString()}</td>
              <td>#{c.requestId.toString()}</td>
              <td>{label(t, "status", c.status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * Bills: the invoices hospitals and pharmacies sent the patient, paid in one gasless action (the permit for
 * exactly what is due is signed in the wallet), with what a claim already paid deducted; a pharmacy's bill is paid
 * only with the unit's serial and the bill's salt, which the patient's device checks against the bill's reference.
 */
function Bills() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const { patientId, miip, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const data = useLoad(async () => {
    const invoices = (await reader.invoices.ofPatient(patientId, { limit: 100 })).entries;
    const due = await Promise.all(
      invoices.map((i) =>
        i.status === "open" ? reader.invoices.amountDue(i.invoiceId).catch(() => undefined) : undefined,
      ),
    );
    return { invoices, due };
  }, [patientId]);
  const action = useAction();
  const [unit, setUnit] = useState<Record<string, { gtin: string; serial: string; salt: string }>>({});
  return (
    <>
      <h2>{t("bills")}</h2>
      {data.view}
      {action.view}
      <ul className="cards">
        {data.data?.invoices.map((inv, i) => {
          const id = inv.invoiceId.toString();
          const due = data.data!.due[i];
          const u = unit[id] ?? { gtin: "", serial: "", salt: "" };
          return (
            <li key={id} data-invoice={id}>
              <strong>
                <InstitutionName id={inv.institutionId} names={names} />
              </strong>{" "}
              · {formatAmount(inv.amount)} IST · {label(t, "status", inv.status)}
              {inv.overdue && ` · ${t("overdue")}`} · {t("dueAt")}: {formatDate(inv.dueAt, language)}
              {inv.status === "paid" && ` · ${t("paidAmount")}: ${formatAmount(inv.paid)} IST`}
              {inv.status === "open" && due && (
                <>
                  <br />
                  {t("toPay")}: {formatAmount(due.due)} IST
                  {due.deducted > 0n && ` (${t("deducted", { amount: formatAmount(due.deducted) })})`}{" "}
                  {inv.kind === "dispensing" && (
                    <>
                      <label>
                        GTIN{" "}
                        <input
                          size={14}
                          value={u.gtin}
                          onChange={(e) => setUnit({ ...unit, [id]: { ...u, gtin: e.target.value } })}
                        />
                      </label>{" "}
                      <label>
                        {t("serial")}{" "}
                        <input
                          value={u.serial}
                          onChange={(e) => setUnit({ ...unit, [id]: { ...u, serial: e.target.value } })}
                        />
                      </label>{" "}
                      <label>
                        {t("billSalt")}{" "}
                        <input
                          value={u.salt}
                          onChange={(e) => setUnit({ ...unit, [id]: { ...u, salt: e.target.value } })}
                        />
                      </label>{" "}
                    </>
                  )}
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() =>
                      action
                        .run(
                          () =>
                            miip.invoices.pay(inv.invoiceId, {
                              dispensing:
                                inv.kind === "dispensing"
                                  ? { gtin: BigInt(u.gtin || "0"), serial: u.serial, salt: u.salt }
                                  : undefined,
                              // This device's ledger of the units it paid pharmacies for: a second bill is refused.
                              paidUnits: deviceLedger(patientId),
                            }),
                          (r) => t("invoicePaid", { amount: formatAmount(r.paid) }),
                        )
                        .then(data.reload)
                    }
                  >
                    {t("pay")}
                  </button>
                </>
              )}
              {inv.status === "open" && !due && <span className="hint"> {t("claimUndecided")}</span>}
            </li>
          );
        })}
        {data.data?.invoices.length === 0 && <li>{t("none")}</li>}
      </ul>
    </>
  );
}

/** The dispensed units this device paid a pharmacy's bill for, by patient, in its local storage. */
function deviceLedger(patientId: bigint) {
  const key = `miip.paidUnits.${patientId}`;
  const read = (): string[] => {
    try {
      return JSON.parse(localStorage.getItem(key) ?? "[]") as string[];
    } catch {
      return [];
    }
  };
  return {
    has: (unitKey: string) => read().includes(unitKey),
    add: (unitKey: string) => {
      try {
        localStorage.setItem(key, JSON.stringify([...read(), unitKey]));
      } catch {
        // private mode: the check lasts for the page only
      }
    },
  };
}

/**
 * Devices: the patient's personal devices (bound, revoked, their anchors), pairing a device (its key signs; its
 * manufacturer provisioned it), revoking a lost one at once; the hospitals following its devices (stopped here at
 * once); the institutions it names to write into its stream; and a note of its own. Every action is relayed.
 */
function Devices() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const { identity, patientId, miip, reader } = usePatient();
  const names = useInstitutionNames(reader);
  const institutions = useInstitutions(reader, () => true);
  const data = useLoad(async () => {
    const [devices, followers, writers] = await Promise.all([
      reader.devices.list(patientId),
      reader.devices.followers(patientId),
      reader.devices.writers(patientId),
    ]);
    return { devices, followers, writers };
  }, [patientId]);
  const action = useAction();
  const [request, setRequest] = useState("");
  const [pairing, setPairing] = useState("");
  const [writer, setWriter] = useState("");
  const [note, setNote] = useState("");
  const [noteType, setNoteType] = useState("device-readings");

  const pair = (event: FormEvent) => {
    event.preventDefault();
    void action
      .run(
        // The device's answer to the request shown to it: its binding, signed in its secure element (its key never
        // reaches this page), and its manufacturer's provisioning. The SDK checks it before relaying it.
        () => miip.devices.bindAnswer(JSON.parse(pairing) as PairingAnswer),
        (r) => t("devicePaired", { id: r.deviceId }),
      )
      .then((paired) => {
        if (!paired) return; // the answer stays, for the patient to see what was refused
        setPairing("");
        setRequest("");
        data.reload();
      });
  };
  const writeNote = (event: FormEvent) => {
    event.preventDefault();
    void action
      .run(
        async () => {
          await ensureSession(identity);
          return miip.devices.writeOwn({ document: new TextEncoder().encode(note), recordType: noteType });
        },
        (r) => t("noteWritten", { id: r.recordId }),
      )
      .then(() => {
        setNote("");
        data.reload();
      });
  };

  return (
    <>
      <h2>{t("myDevices")}</h2>
      <p className="hint">{t("devicesHint")}</p>
      {data.view}
      {action.view}
      <table aria-label={t("myDevices")}>
        <thead>
          <tr>
            <th>{t("device")}</th>
            <th>{t("model")}</th>
            <th>{t("status")}</th>
            <th>{t("anchors")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.data?.devices.map((d) => (
            <tr key={d.address} data-device={d.deviceId.toString()}>
              <td>
                #{d.deviceId.toString()} <code title={d.address}>{short(d.address)}</code>
              </td>
              <td>
                {d.modelId} · {t("firmware")} {d.firmware}
              </td>
              <td>{label(t, "deviceStatus", d.status)}</td>
              <td>
                {d.sequence}
                {d.sequence > 0 && ` · ${formatDate(d.lastEnd, language)}`}
              </td>
              <td>
                {d.status === "bound" && (
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() =>
                      void action
                        .run(
                          () => miip.devices.revoke(d.address),
                          () => t("deviceRevoked"),
                        )
                        .then(data.reload)
                    }
                  >
                    {t("revokeDevice")}
                  </button>
                )}
              </td>
            </tr>
          ))}
          {data.data?.devices.length === 0 && (
            <tr>
              <td colSpan={5}>{t("none")}</td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="panel">
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => setRequest(JSON.stringify(await miip.devices.pairingRequest(600))), null)
          }
        >
          {t("pairingRequest")}
        </button>
        {request && (
          <>
            <p className="hint">{t("pairingRequestHint")}</p>
            <pre data-pairing-request aria-label={t("pairingRequest")}>
              {request}
            </pre>
          </>
        )}
      </div>
      <form onSubmit={pair} className="panel">
        <label>
          {t("pairDevice")}
          <textarea value={pairing} onChange={(e) => setPairing(e.target.value)} rows={3} required />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("pair")}
        </button>
      </form>
      <h3>{t("followers")}</h3>
      <ul>
        {data.data?.followers.map((id) => (
          <li key={id} data-follower={id}>
            <InstitutionName id={id} names={names} />{" "}
            <button
              type="button"
              disabled={action.busy}
              onClick={() =>
                void action
                  .run(
                    () => miip.devices.dropFollower(id),
                    () => t("followerDropped"),
                  )
                  .then(data.reload)
              }
            >
              {t("stopFollowing")}
            </button>
          </li>
        ))}
        {data.data?.followers.length === 0 && <li>{t("none")}</li>}
      </ul>
      <h3>{t("writers")}</h3>
      <p className="hint">{t("writersHint")}</p>
      <ul>
        {data.data?.writers.map(({ writerId: id, mayWrite, status }) => (
          <li key={id} data-writer={id}>
            <InstitutionName id={id} names={names} />{" "}
            {!mayWrite && <em>{t(status === "suspended" ? "writerSuspended" : "writerRetired")} </em>}
            <button
              type="button"
              disabled={action.busy}
              onClick={() => void action.run(() => miip.devices.setWriter(id, false)).then(data.reload)}
            >
              {t("removeWriter")}
            </button>
          </li>
        ))}
      </ul>
      <label>
        {t("nameWriter")}{" "}
        <select value={writer} onChange={(e) => setWriter(e.target.value)}>
          <option value="">—</option>
          {institutions.data?.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
            </option>
          ))}
        </select>
      </label>{" "}
      <button
        type="button"
        disabled={action.busy || !writer}
        onClick={() => void action.run(() => miip.devices.setWriter(Number(writer), true)).then(data.reload)}
      >
        {t("name")}
      </button>
      <h3>{t("ownNote")}</h3>
      <form onSubmit={writeNote} className="panel">
        <RecordTypeSelect label={t("recordType")} value={noteType} onChange={setNoteType} />
        <label>
          {t("note")}
          <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={3} required />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("writeNote")}
        </button>
      </form>
    </>
  );
}

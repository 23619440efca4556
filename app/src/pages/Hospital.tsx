/**
 * A hospital's console: register an encrypted record from a file of any size (encrypted here, its blocks sent to the
 * document service, its digest and address on chain), amend one, start a claim, open and justify emergency access,
 * and follow patients' devices under their consent (remote monitoring: readings decrypted and checked here).
 */
import { type FormEvent, useContext, useState } from "react";
import { billDigest, utf8 } from "@miip/sdk";
import { parseUnits } from "ethers";

import { IdField, RecordTypeSelect } from "../fields.tsx";
import { LanguageContext, useT } from "../i18n.tsx";
import { type Identity, ensureSession } from "../session.tsx";
import { useApp } from "../state.ts";
import { Notice, formatDate, useAction, useLoad } from "../ui.tsx";

function useHospital(): Identity {
  return useApp().identity!;
}

/** The patient's account and published encryption key; an Error in the page's words when there is none. */
async function patientKey(identity: Identity, patientId: bigint, missing: string) {
  const account = await identity.miip.contracts.participants.patientAccount(patientId);
  const key = await identity.service.publicKeyOf(account);
  if (!key) throw new Error(missing);
  return key;
}

async function fileBytes(input: HTMLInputElement | null): Promise<Uint8Array> {
  const file = input?.files?.[0];
  if (!file) throw new Error("no file");
  return new Uint8Array(await file.arrayBuffer());
}

export default function HospitalPage() {
  const t = useT();
  return (
    <section aria-labelledby="hospital-title">
      <h1 id="hospital-title">{t("roles_hospital")}</h1>
      <Upload />
      <Amend />
      <Bill />
      <EmergencyAccess />
      <Monitoring />
    </section>
  );
}

function Upload() {
  const t = useT();
  const identity = useHospital();
  const action = useAction();
  const [patientId, setPatientId] = useState("");
  const [type, setType] = useState("lab-result");
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem("file") as HTMLInputElement;
    void action.run(
      async () => {
        const id = BigInt(patientId);
        const key = await patientKey(identity, id, t("noPatientKey"));
        const document = await fileBytes(input);
        await ensureSession(identity);
        return identity.miip.documents.add({ patientId: id, patientPublicKey: key, document, recordType: type });
      },
      (r) => t("uploaded", { id: r.recordId.toString() }),
    );
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="upload-title">
      <h2 id="upload-title">{t("uploadTitle")}</h2>
      <IdField label={t("patientId")} value={patientId} onChange={setPatientId} />
      <RecordTypeSelect label={t("recordType")} value={type} onChange={setType} />
      <label>
        {t("file")}
        <input required type="file" name="file" />
      </label>
      <button type="submit" disabled={action.busy}>
        {t("upload")}
      </button>
      {action.view}
    </form>
  );
}

function Amend() {
  const t = useT();
  const identity = useHospital();
  const action = useAction();
  const [recordId, setRecordId] = useState("");
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem("amend-file") as HTMLInputElement;
    void action.run(
      async () => {
        const record = await identity.miip.records.get(BigInt(recordId));
        const key = await patientKey(identity, record.patientId, t("noPatientKey"));
        const document = await fileBytes(input);
        await ensureSession(identity);
        return identity.miip.documents.amend(record.id, {
          patientId: record.patientId,
          patientPublicKey: key,
          document,
        });
      },
      (r) => t("uploaded", { id: r.recordId.toString() }),
    );
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="amend-title">
      <h2 id="amend-title">{t("amendTitle")}</h2>
      <IdField label={t("record")} value={recordId} onChange={setRecordId} />
      <label>
        {t("file")}
        <input required type="file" name="amend-file" />
      </label>
      <button type="submit" disabled={action.busy}>
        {t("amend")}
      </button>
      {action.view}
    </form>
  );
}

function Bill() {
  const t = useT();
  const identity = useHospital();
  const action = useAction();
  const [programme, setProgramme] = useState("1");
  const [records, setRecords] = useState("");
  const [amount, setAmount] = useState("250");
  const [items, setItems] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(
      async () => {
        const bill = await identity.miip.claims.bill({
          programmeId: BigInt(programme),
          recordIds: records.split(",").map((r) => BigInt(r.trim())),
          amount: parseUnits(amount, 18),
          // The itemised bill stays with the hospital: only its digest binds the claim.
          billDigest: billDigest(utf8(items || `${records} ${amount}`)),
        });
        return identity.miip.claims.attest(bill);
      },
      (r) => t("attested", { hash: `${r.billHash.slice(0, 10)}…` }),
    );
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="bill-title">
      <h2 id="bill-title">{t("billTitle")}</h2>
      <IdField label={t("programme")} value={programme} onChange={setProgramme} />
      <IdField label={t("records")} value={records} onChange={setRecords} list />
      <label>
        {t("amount")} (IST)
        <input
          required
          inputMode="decimal"
          pattern="[0-9]+(\.[0-9]+)?"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
      </label>
      <label>
        {t("itemised")}
        <textarea value={items} onChange={(e) => setItems(e.target.value)} />
      </label>
      <button type="submit" disabled={action.busy}>
        {t("attest")}
      </button>
      {action.view}
    </form>
  );
}

function EmergencyAccess() {
  const t = useT();
  const identity = useHospital();
  const action = useAction();
  const [patientId, setPatientId] = useState("");
  const [reason, setReason] = useState("unconscious");
  const [note, setNote] = useState("");
  return (
    <form
      className="panel"
      aria-labelledby="emergency-title"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(
          () => identity.miip.consent.openEmergency(BigInt(patientId), reason),
          (r) =>
            t("emergencyOpened", {
              until: new Date(r.expiresAt * 1000).toLocaleString(),
              by: new Date(r.justifyBy * 1000).toLocaleString(),
            }),
        );
      }}
    >
      <h2 id="emergency-title">{t("emergencyOpen")}</h2>
      <Notice error>{t("emergencyWarning")}</Notice>
      <IdField label={t("patientId")} value={patientId} onChange={setPatientId} />
      <label>
        {t("reason")}
        <select value={reason} onChange={(e) => setReason(e.target.value)}>
          <option value="unconscious">{t("reason_unconscious")}</option>
          <option value="cardiac-arrest">{t("reason_cardiac")}</option>
          <option value="trauma">{t("reason_trauma")}</option>
        </select>
      </label>
      <button type="submit" disabled={action.busy}>
        {t("emergencyOpen")}
      </button>
      <label>
        {t("justification")}
        <textarea value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <button
        type="button"
        disabled={action.busy || !patientId || !note}
        onClick={() =>
          // The note itself stays in the hospital's files; its digest is the justification on chain.
          action.run(() => identity.miip.consent.justifyEmergency(BigInt(patientId), billDigest(utf8(note))))
        }
      >
        {t("justify")}
      </button>
      {action.view}
    </form>
  );
}

/** Glucose bounds the hospital's client alerts on (mg/dL): its own rule, applied to decrypted readings, never on chain. */
const LOW = 70;
const HIGH = 250;

/**
 * Remote monitoring: follow a patient's devices (the contract checks the patient's treatment consent), see each new
 * anchor the hospital was told of, open it (the SDK checks the consent again, then the ciphertext against the
 * anchored digest) and read the day: range, time in range, and the readings out of bounds flagged here.
 */
function Monitoring() {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const identity = useHospital();
  const action = useAction();
  const [patientId, setPatientId] = useState("");
  const notices = useLoad(() => identity.miip.devices.notices(), []);
  const [opened, setOpened] = useState<{
    key: string;
    kind: string;
    unit: string;
    readings: (readonly [number, number])[];
  }>();
  const open = (deviceId: bigint, sequence: number) =>
    void action.run(async () => {
      await ensureSession(identity);
      const batch = await identity.miip.devices.readings(deviceId, sequence);
      setOpened({ key: `${deviceId}-${sequence}`, kind: batch.kind, unit: batch.unit, readings: batch.readings });
    }, null);
  const values = opened?.readings.map(([, v]) => v) ?? [];
  // The bounds are glucose's, in mg/dL: another kind or unit gets its summary, no alert.
  const glucose = opened?.kind === "glucose" && opened.unit === "mg/dL";
  const alerts = glucose ? opened!.readings.filter(([, v]) => v < LOW || v > HIGH) : [];
  const min = values.reduce((a, v) => (v < a ? v : a), Infinity);
  const max = values.reduce((a, v) => (v > a ? v : a), -Infinity);
  const inRange = values.filter((v) => v >= LOW && v <= 180).length;
  return (
    <section className="panel" aria-labelledby="monitoring-title">
      <h2 id="monitoring-title">{t("monitoring")}</h2>
      <p className="hint">{t("monitoringHint")}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action
            .run(
              () => identity.miip.devices.follow(BigInt(patientId)),
              () => t("following", { id: patientId }),
            )
            .then(notices.reload);
        }}
      >
        <IdField label={t("patientId")} value={patientId} onChange={setPatientId} />
        <button type="submit" disabled={action.busy}>
          {t("follow")}
        </button>{" "}
        <button
          type="button"
          disabled={action.busy || !patientId}
          onClick={() => void action.run(() => identity.miip.devices.unfollow(BigInt(patientId)))}
        >
          {t("unfollow")}
        </button>
      </form>
      {action.view}
      {notices.view}
      <table aria-label={t("notices")}>
        <thead>
          <tr>
            <th>{t("patientId")}</th>
            <th>{t("device")}</th>
            <th>{t("anchor")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {notices.data?.map((n) => (
            <tr key={`${n.deviceId}-${n.sequence}`} data-notice={`${n.deviceId}-${n.sequence}`}>
              <td>{n.patientId.toString()}</td>
              <td>#{n.deviceId.toString()}</td>
              <td>{n.sequence}</td>
              <td>
                <button type="button" disabled={action.busy} onClick={() => open(n.deviceId, n.sequence)}>
                  {t("open")}
                </button>
              </td>
            </tr>
          ))}
          {notices.data?.length === 0 && (
            <tr>
              <td colSpan={4}>{t("none")}</td>
            </tr>
          )}
        </tbody>
      </table>
      {opened && (
        <div data-readings={opened.key}>
          <p>
            {t("readingsSummary", {
              count: opened.readings.length,
              kind: opened.kind,
              min,
              max,
              unit: opened.unit,
              inRange: Math.round((100 * inRange) / Math.max(values.length, 1)),
            })}
          </p>
          {!glucose ? null : alerts.length === 0 ? (
            <Notice>{t("noAlerts", { low: LOW, high: HIGH })}</Notice>
          ) : (
            <Notice error>
              {t("alerts", { count: alerts.length, low: LOW, high: HIGH })}{" "}
              {alerts
                .slice(0, 5)
                .map(([time, v]) => `${formatDate(time, language)} ${v}`)
                .join(", ")}
            </Notice>
          )}
        </div>
      )}
    </section>
  );
}

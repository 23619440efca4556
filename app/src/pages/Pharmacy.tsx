/**
 * A pharmacy's console: check a pack from its code, read the prescriptions patients shared with it (each read
 * logged in the patient's access trail first), and dispense a unit against the prescription's allowance with the
 * patient's authorisation of the fill (signed on the patient's phone).
 */
import { type FormEvent, useContext, useState } from "react";

import { LanguageContext, useT } from "../i18n.tsx";
import { type PackCheck, checkPack } from "../packs.ts";
import { type Identity, ensureSession } from "../session.tsx";
import { useApp } from "../state.ts";
import { Notice, formatDate, useAction, useLoad } from "../ui.tsx";
import { DocumentView } from "./Patient.tsx";
import { PackCodeForm, PackResult } from "./PackCheck.tsx";

function usePharmacy(): Identity & { pharmacyId: number } {
  const identity = useApp().identity!;
  if (identity.role.kind !== "institution") throw new Error("not an institution");
  return { ...identity, pharmacyId: identity.role.id };
}

/** The allowance key and product salt a prescription document names, if it does. */
function prescriptionFields(text: string): { key: string; salt: string } | undefined {
  const m = /Allowance (0x[0-9a-fA-F]{64}), product salt (0x[0-9a-fA-F]{64})/.exec(text);
  return m ? { key: m[1], salt: m[2] } : undefined;
}

export default function PharmacyPage() {
  const t = useT();
  const [fields, setFields] = useState<{ key: string; salt: string }>();
  return (
    <section aria-labelledby="pharmacy-title">
      <h1 id="pharmacy-title">{t("roles_pharmacy")}</h1>
      <Prescriptions onFields={setFields} />
      <Dispense fields={fields} />
    </section>
  );
}

function Prescriptions({ onFields }: { onFields(fields: { key: string; salt: string }): void }) {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const identity = usePharmacy();
  const { reader } = useApp();
  const shared = useLoad(async () => {
    const consent = reader.contracts.consent;
    const granted = await reader.history.logs(
      consent,
      consent.filters.ConsentGranted(undefined, undefined, identity.pharmacyId),
    );
    const rows: { grantId: string; patientId: bigint; expiresAt: number; recordIds: bigint[] }[] = [];
    for (const log of granted.reverse()) {
      const grantId = log.args.grantId as string;
      const grant = await reader.consent.getGrant(grantId);
      if (!grant.live) continue;
      const shares = await identity.service.shares.byGrant(grantId);
      rows.push({
        grantId,
        patientId: grant.patientId,
        expiresAt: grant.expiresAt,
        recordIds: shares.map((s) => BigInt(s.recordId)),
      });
    }
    return rows;
  }, [identity.pharmacyId]);
  const action = useAction();
  const [opened, setOpened] = useState<{ id: bigint; bytes: Uint8Array }>();
  const open = (recordId: bigint) =>
    action.run(async () => {
      await ensureSession(identity);
      // The read is logged on chain before the document is opened: the patient sees it in the trail.
      await identity.miip.consent.logAccess(recordId, "treatment");
      const bytes = await identity.miip.documents.open(recordId, { purpose: "treatment" });
      setOpened({ id: recordId, bytes });
      const fields = prescriptionFields(new TextDecoder().decode(bytes));
      if (fields) onFields(fields);
    });
  return (
    <section aria-labelledby="prescriptions-title">
      <h2 id="prescriptions-title">{t("sharedPrescriptions")}</h2>
      {shared.view}
      <ul>
        {shared.data?.map((row) => (
          <li key={row.grantId}>
            {t("patientId")} {row.patientId.toString()} · {t("expires")} {formatDate(row.expiresAt, language)} ·{" "}
            {row.recordIds.map((id) => (
              <button key={id.toString()} type="button" disabled={action.busy} onClick={() => open(id)}>
                {t("open")} #{id.toString()}
              </button>
            ))}
          </li>
        ))}
        {shared.data?.length === 0 && <li>{t("none")}</li>}
      </ul>
      {action.view}
      {opened && <DocumentView id={opened.id} bytes={opened.bytes} onClose={() => setOpened(undefined)} />}
    </section>
  );
}

/** The shipment of the unit's batch this pharmacy received and still holds units of. */
async function heldShipment(identity: Identity & { pharmacyId: number }, batchId: bigint): Promise<bigint | undefined> {
  const { reader } = { reader: identity.miip };
  const supply = reader.contracts.supply;
  const accepted = await reader.history.logs(
    supply,
    supply.filters.ShipmentAccepted(undefined, batchId, identity.pharmacyId),
  );
  for (const log of accepted.reverse()) {
    const shipment = await reader.supply.shipment(log.args.shipmentId as bigint);
    if (shipment.holderId === identity.pharmacyId && shipment.remaining > 0 && !shipment.quarantined) {
      return log.args.shipmentId as bigint;
    }
  }
  return undefined;
}

function Dispense({ fields }: { fields?: { key: string; salt: string } }) {
  const t = useT();
  const { language } = useContext(LanguageContext);
  const identity = usePharmacy();
  const [code, setCode] = useState("");
  const [check, setCheck] = useState<PackCheck>();
  const [authorization, setAuthorization] = useState("");
  const verify = useAction();
  const dispense = useAction();
  const submitVerify = (event: FormEvent) => {
    event.preventDefault();
    setCheck(undefined);
    void verify.run(async () => setCheck(await checkPack(identity.miip, identity.service.blobs, code, language)), null);
  };
  const submitDispense = () =>
    dispense.run(
      async () => {
        if (!check?.unit) throw new Error(t("notGenuine"));
        const shipmentId = await heldShipment(identity, check.verification.batchId);
        if (shipmentId === undefined) throw new Error(t("noShipment"));
        const auth = authorization.trim() ? (JSON.parse(authorization) as Record<string, unknown>) : undefined;
        return identity.miip.supply.dispense({
          shipmentId,
          unit: check.unit,
          allowance: fields
            ? {
                key: fields.key,
                productSalt: fields.salt,
                authorization: auth && {
                  allowanceKey: auth.allowanceKey as string,
                  pharmacyId: BigInt(auth.pharmacyId as string),
                  fillsAfter: Number(auth.fillsAfter),
                  deadline: Number(auth.deadline),
                  signature: auth.signature as { r: string; vs: string },
                },
              }
            : undefined,
        });
      },
      (r) => (r.counterfeit ? t("counterfeit") : t("dispensedNow")),
    );
  return (
    <section aria-labelledby="dispense-title">
      <h2 id="dispense-title">{t("dispense")}</h2>
      <PackCodeForm code={code} onCode={setCode} busy={verify.busy} onSubmit={submitVerify} />
      {verify.view}
      {check && <PackResult check={check} language={language} />}
      {check?.verification.authentic && (
        <div className="panel">
          <p>
            {t("allowance")}: <code>{fields ? `${fields.key.slice(0, 10)}…` : t("overTheCounter")}</code>
          </p>
          <label>
            {t("fillAuthorization")}
            <textarea value={authorization} onChange={(e) => setAuthorization(e.target.value)} spellCheck={false} />
          </label>
          <button type="button" disabled={dispense.busy} onClick={submitDispense}>
            {t("dispense")}
          </button>
          {dispense.view}
        </div>
      )}
      {fields === undefined && <Notice>{t("openPrescriptionFirst")}</Notice>}
    </section>
  );
}

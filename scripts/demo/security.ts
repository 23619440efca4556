import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { ACCESS, ACTORS, ANYONE } from "../../config/access";
import { CONSENT_TYPES, consentDomain } from "../../config/eip712";
import { PURPOSES, RECORD_TYPES } from "../../config/roles";
import { type SignedConsent, shipmentIdOf } from "../../packages/sdk/src";
import type { Demo } from "./context";

/** secp256k1's group order: s and n - s are both valid for ecrecover, which is what makes signatures malleable. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Security (SECURITY.md): the one table of who may do what, then what an attacker meets: a malleated and a
 * replayed signature, a front-run consent that still grants only what the patient signed, a reading altered on
 * its way from the device, and an upgrade without the governance delay.
 */
export async function securityChapter({ n, miip, as, who }: Demo): Promise<void> {
  n.section("Security: who may do what, and what an attacker meets (SECURITY.md)");
  const rows = Object.entries(ACCESS).flatMap(([contract, fns]) =>
    Object.entries(fns).map(([fn, allowed]) => ({ name: `${contract}.${fn}`, allowed })),
  );
  n.say(
    `  config/access.ts: ${rows.length} state-changing functions × ${ACTORS.length} actors = ` +
      `${(rows.length * ACTORS.length).toLocaleString("en-US")} cells, each called by test/security/AccessMatrix.test.ts`,
  );
  const openNames = rows.filter((r) => r.allowed === ANYONE).map((r) => r.name);
  n.say(
    `  ${openNames.length} are open to anyone: each acts for the caller alone, or a signature, proof, deadline or balance decides:`,
  );
  let line = "   ";
  for (const name of openNames) {
    if (line.length + name.length > 110) {
      n.say(line);
      line = "   ";
    }
    line += ` ${name}`;
  }
  n.say(line);
  n.say("  and, for example:");
  const examples = [
    "RecordRegistry.register",
    "ClaimEscrow.fileClaim",
    "ClaimEscrow.applyDefault",
    "ClaimEscrow.replaceArbitrator",
    "SupplyChain.dispense",
  ];
  for (const row of examples.flatMap((name) => rows.filter((r) => r.name === name))) {
    n.say(`    ${row.name.padEnd(30)} ${row.allowed === ANYONE ? "anyone" : row.allowed.join(", ")}`);
  }

  const patientB = who("patientB");
  const pharmacy = who("pharmacy").address;
  const signed = await as("patientB").consent.sign({
    grantee: pharmacy,
    purpose: "treatment",
    scope: { kind: "all-records" },
    expiresAt: (await time.latest()) + 7 * 86_400,
  });
  n.say("  patient B signs a consent for the pharmacy (treatment, all records, 7 days)");

  const sig = hre.ethers.Signature.from(signed.signature);
  const twin: SignedConsent = {
    ...signed,
    signature: hre.ethers.concat([
      sig.r,
      hre.ethers.toBeHex(N - BigInt(sig.s), 32),
      hre.ethers.toBeHex(sig.v === 27 ? 28 : 27, 1),
    ]),
  };
  await n.refused("its malleable twin (s replaced by n - s), which ecrecover alone would accept", () =>
    as("stranger").consent.submitSigned(twin),
  );
  const elsewhere: SignedConsent = {
    ...signed,
    signature: await patientB.signTypedData(consentDomain(1n, miip.deployment.ConsentManager), CONSENT_TYPES, {
      ...signed.request,
      nonce: signed.nonce,
      deadline: signed.deadline,
    }),
  };
  await n.refused("the same consent signed for chain 1, replayed here", () =>
    as("stranger").consent.submitSigned(elsewhere),
  );
  const raced = await n.step(
    "a stranger front-runs the pharmacy and submits the signature first",
    as("stranger").consent.submitSigned(signed),
  );
  const grant = await miip.consent.getGrant(raced.grantIds[0]);
  const patientBId = signed.request.patientId;
  const mayRead = async (reader: string) =>
    miip.contracts.consent.allows(
      (await miip.contracts.participants.memberOf(reader)).id,
      0,
      patientBId,
      RECORD_TYPES.diagnosis,
      PURPOSES.treatment,
    );
  n.say(
    `  the grant is still what patient B signed: live ${grant.live}; may the pharmacy read? ${await mayRead(pharmacy)}; ` +
      `the stranger? ${await mayRead(who("stranger").address)}. The stranger only paid the gas.`,
  );
  await n.refused("the pharmacy submitting it afterwards", () => as("pharmacy").consent.submitSigned(signed));

  // The supply chapter's logger: a gateway between it and the chain changes a reading to hide an excursion.
  const logger = new hre.ethers.Wallet(hre.ethers.id("demo cold-chain logger"));
  const shipmentId = shipmentIdOf(1n, 1_000); // the supply chapter's first shipment, factory to distributor
  const reading = await miip.supply.signReadings(logger, [
    { shipmentId, temperature: 1140, humidity: 4500, sequence: 90 },
  ]);
  const altered = { ...reading, readings: [{ ...reading.readings[0], temperature: 500 }] };
  await n.refused("a gateway turning the logger's signed 11.4 °C into 5.0 °C", () =>
    as("relayer").supply.submitReadings(altered),
  );
  const impostor = hre.ethers.Wallet.createRandom();
  const forged = await miip.supply.signReadings(impostor, [
    { shipmentId, temperature: 500, humidity: 4500, sequence: 1 },
  ]);
  await n.refused("readings signed by a key nobody registered", () => as("relayer").supply.submitReadings(forged));

  // The deployer holds GOVERNOR on the local chain; the proxy's upgrade function belongs to that role, delayed.
  const registry = await hre.ethers.getContractAt("RecordRegistry", miip.deployment.RecordRegistry, who("deployer"));
  await n.refused("the governor upgrading the record registry without waiting its delay", () =>
    miip.send(() => registry.upgradeToAndCall(miip.deployment.RecordRegistry, "0x")),
  );
  n.say("  upgrades are scheduled in the access manager, public for the whole delay, and checked by");
  n.say("  OpenZeppelin's storage-layout validation (test/registry/Upgrade.test.ts)");
  n.say("  `npm run test:invariants`: four forge suites, 10,000 random calls each; `npm run bench` also checks");
  n.say("  that no operation costs more after 10,000 records, grants, claims and shipments");
}

import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { ACCESS, ACTORS, type Actor, mayCall } from "../../config/access";
import {
  ACCEPT_PATIENT_ACCOUNT_TYPES,
  ADVERSE_EVENT_REPORT_TYPES,
  FILL_TYPES,
  CONSENT_TYPES,
  DEVICE_BINDING_TYPES,
  DEVICE_PROVISIONING_TYPES,
  DEVICE_RECORD_TYPES,
  DEVICE_REGISTRATION_TYPES,
  INTAKE_TYPES,
  READING_ANCHOR_TYPES,
  PERMIT_TYPES,
  READING_TYPES,
  REGISTER_PATIENT_TYPES,
  compactSignature,
  consentDomain,
  devicesDomain,
  istPermitDomain,
  participantsDomain,
  supplyDomain,
} from "../../config/eip712";
import { KINDS, PURPOSES, RECORD_TYPES, ROLES } from "../../config/roles";
import { buildSerialTree } from "../../packages/sdk/src/serials";
import { gtinWithCheckDigit, languageCode } from "../../packages/sdk/src/gs1";
import { asMIIPError } from "../../packages/sdk/src/errors";
import {
  MIIPAccessManager__factory,
  ParticipantRegistry__factory,
  RecordRegistry__factory,
} from "../../typechain-types";
import { accessMarkdown } from "../../scripts/lib/access";
import { deploySuiteFixture, onboard } from "../helpers/fixtures";
import { adminCall, delayedCall } from "../helpers/governance";
import { NO_PERMIT, signBill } from "../helpers/claims";
import { GUARDIAN_SALT, asPatient, guardianCommitment, registerPatients, salt, signedCall } from "../helpers/patients";

/** The refusals that mean "not you": who the caller is, not what the call says. */
const AUTHORISATION_ERRORS = new Set([
  "AccessManagedUnauthorized",
  "AccessManagerUnauthorizedAccount",
  "AccessManagerUnauthorizedCall",
  "AccessManagerUnauthorizedCancel",
  "AccessManagerUnauthorizedConsume",
  "AccessManagerBadConfirmation",
  "InvalidInitialization",
  "ParticipantsNotActive",
  "ParticipantsWrongKind",
  "ParticipantsNotPendingAccount",
  "PatientsNotPatient", // not the patient's current key (nor, with a salt, one of its guardians: below)
  "PatientsNotGuardian",
  "PatientsNotThroughGateway", // a patient action sent directly, not by the directory's gateway
  "PatientsGuardianLacksPower", // a guardian without the power the action needs
  "PatientsGuardianCannotManage", // a guardian touching the patient's identity
  "PatientsNothingToAccept", // not the address the patient proposed (nor a due recovery's)
  "RecordsNotIssuer",
  "ConsentPatientMismatch", // the acting patient is not the one the request names
  "ConsentNotPatientsGrant",
  "ConsentNoLiveRight",
  "ConsentNothingToJustify", // justifyEmergency: the caller (by its institution id) opened nothing for the patient
  "ClaimsNotProgrammeInsurer",
  "ClaimsNotClaimant",
  "ClaimsNotBillParty",
  "ClaimsNotArbitrator",
  "ClaimsNoCredit",
  "ProductsNotPrefixHolder",
  "ProductsNotProductOwner",
  "SupplyNotReceiver",
  "SupplyNotSender",
  "SupplyNotHolder", // not the holder of the shipment the units would come from
  "SupplyNotShipmentParty",
  "SupplyNotAllowanceIssuer",
  "SupplyNotDeviceOwner",
  "SupplyNotManufacturerOrRegulator",
  "MerkleClaimUnauthorizedSweeper",
  "MarketNotResearcher",
  "MarketNotArbitrator",
  "PaymentsNotIssuer",
  "PaymentsNotPatient",
  "RecordsNotPatientStreams", // not the device registry
  "DevicesWriterNotNamed", // an institution the patient did not name as a writer
  "DevicesNotManufacturer", // setProvisioner: the caller is no manufacturer (active or suspended)
  "DevicesNotFollowing", // unfollow: the caller (by its institution id) does not follow the patient
  "NotAManagedContract",
]);

/** Rows where no allowed actor can succeed in the matrix's situation, and why. */
const NO_SUCCESS = new Set([
  "MIIPAccessManager.consumeScheduledOp", // nobody: only a managed contract
  "ParticipantRegistry.acceptAccount", // only the proposed address, which is no actor
  "ParticipantRegistry.acceptPatientAccount", // only the patient's proposed address, which is no actor
  "ParticipantRegistry.approveRecovery", // only a guardian with the recover power; the matrix's guardian may only act
  "ParticipantRegistry.initialize",
  "RecordRegistry.initialize",
  "ConsentManager.initialize",
  "ClaimEscrow.initialize",
  "ProductRegistry.initialize",
  "SupplyChain.initialize",
  "ISTDistribution.setAuthority",
  "ParticipantRegistry.setAuthority",
  "RecordRegistry.setAuthority",
  "ConsentManager.setAuthority",
  "ClaimEscrow.setAuthority",
  "ProductRegistry.setAuthority",
  "SupplyChain.setAuthority",
  "ClaimEscrow.withdrawCredit", // nobody has a credit: every actor is refused with ClaimsNoCredit
  "ParticipantRegistry.voidRecovery", // no armed recovery to void: every actor is refused with PatientsNoRecovery
  "ResearchMarket.initialize",
  "ResearchMarket.setAuthority",
  "CarePayments.initialize",
  "CarePayments.setAuthority",
  // Every closed request was refunded when it closed: refund is refused (nothing to refund, or not closed).
  "ResearchMarket.refund",
  // Named once, at deployment: the governor is refused with ClaimsCarePaymentsAlreadySet.
  "ClaimEscrow.setCarePayments",
  // Named once, at deployment: the governor is refused with RecordsPatientStreamsAlreadySet.
  "RecordRegistry.setPatientStreams",
  // Only the device registry writes patient-stream records: every actor is refused with RecordsNotPatientStreams.
  "RecordRegistry.registerSourced",
  "DeviceRegistry.initialize",
  "DeviceRegistry.setAuthority",
]);

const CONTRACTS = {
  MIIPAccessManager: "manager",
  INSSETToken: "token",
  ISTDistribution: "distribution",
  ParticipantRegistry: "participants",
  RecordRegistry: "records",
  ConsentManager: "consent",
  ClaimEscrow: "claims",
  ProductRegistry: "products",
  SupplyChain: "supply",
  ResearchMarket: "market",
  CarePayments: "payments",
  DeviceRegistry: "devices",
} as const;

type Call = { target: string; data: string };
const DAY = 86_400;
const IST = (n: number) => BigInt(n) * 10n ** 18n;
const code = (text: string) => hre.ethers.encodeBytes32String(text);
const PRODUCT_DATA = {
  name: "Amoxil",
  strength: "500 mg",
  form: "capsule",
  marketingAuthorisationHolder: "MIIP Pharma",
};

describe("Access matrix: every state-changing function, as every actor, against config/access.ts", function () {
  this.timeout(600_000);

  async function matrixFixture() {
    const s = await deploySuiteFixture();
    const {
      manager,
      participants,
      records,
      consent,
      claims,
      products,
      supply,
      token,
      distribution,
      signers,
      resolved,
    } = s;
    const governor = signers[24];
    const guardianRole = signers[25];
    const deployer = s.deployer;
    // Distinct holders for each role. The admin is the governance account, with the governor's delay like any
    // admin; the deploying key renounced its admin role at the end of the deployment.
    const iface = manager.interface;
    const admin = s.governance;
    await adminCall(manager, admin, iface.encodeFunctionData("grantRole", [ROLES.GOVERNOR, governor.address, DAY]));
    await adminCall(manager, admin, iface.encodeFunctionData("grantRole", [ROLES.GUARDIAN, guardianRole.address, 0]));
    await adminCall(manager, admin, iface.encodeFunctionData("revokeRole", [ROLES.GOVERNOR, deployer.address]));
    await adminCall(manager, admin, iface.encodeFunctionData("revokeRole", [ROLES.GUARDIAN, deployer.address]));

    const actors: Record<Actor, HardhatEthersSigner> = {
      admin: s.governance,
      governor,
      "guardian-role": guardianRole,
      treasurer: s.treasurer,
      registrar: s.registrar,
      hospital: s.hospital,
      "suspended-hospital": s.emergencyHospital,
      pharmacy: s.pharmacy,
      insurer: s.insurer,
      agency: s.agency,
      researcher: s.researcher,
      manufacturer: s.manufacturer,
      distributor: s.distributor,
      regulator: s.regulator,
      patient: s.patientA,
      "patient-guardian": s.guardian,
      treasury: s.treasury,
      stranger: s.stranger,
    };
    const [
      hospital,
      pharmacy,
      insurer,
      agency,
      researcher,
      manufacturer,
      distributor,
      regulator,
      suspended,
      regulator2,
    ] = await onboard(
      participants,
      s.registrar,
      { account: s.hospital, kind: "hospital", name: "hospital" },
      { account: s.pharmacy, kind: "pharmacy", name: "pharmacy" },
      { account: s.insurer, kind: "insurer", name: "insurer" },
      { account: s.agency, kind: "public-health-agency", name: "agency" },
      { account: s.researcher, kind: "researcher", name: "researcher" },
      { account: s.manufacturer, kind: "manufacturer", name: "manufacturer" },
      { account: s.distributor, kind: "distributor", name: "distributor" },
      { account: s.regulator, kind: "regulator", name: "regulator" },
      { account: s.emergencyHospital, kind: "hospital", name: "suspended hospital" },
      // A second regulator, holding no role of the matrix: governance may hand it the regulator's model.
      { account: signers[26], kind: "regulator", name: "second regulator" },
    );
    const ids = {
      hospital,
      pharmacy,
      insurer,
      agency,
      researcher,
      manufacturer,
      distributor,
      regulator,
      suspended,
      regulator2,
    };

    // The manufacturer's product for the supply chain, under its company prefix 880646 (effective after the
    // onboarding delay, which passes here, before anything that counts time).
    await products.connect(s.registrar).assignPrefix(880646n, 6, manufacturer);
    await time.increase(await participants.onboardingDelay());
    const supplyGtin = gtinWithCheckDigit("0880646900123");
    await products.connect(s.manufacturer).registerProduct(supplyGtin, 6, PRODUCT_DATA);

    // Patients A and B (ids 1 and 2), each by its own key; A appoints the named `guardian` with the act power.
    const [patientA, patientB] = await registerPatients(participants, s.patientA, s.patientB);
    const patients = { a: patientA, b: patientB };
    await participants
      .connect(s.patientA)
      .setGuardian(guardianCommitment(patients.a, s.guardian.address, GUARDIAN_SALT), 2 /* POWER_ACT */);

    // The second hospital breaks the glass on patient B and never justifies it: overdue by the end of the fixture.
    await consent.connect(s.emergencyHospital).openEmergency(patients.b, code("er"));

    // IST for the insurer, a month after listing.
    await time.increase(30 * DAY);
    const reserveGrant = resolved.genesis.grants.findIndex((g) => g.category === resolved.genesis.reserveCategory);
    await distribution.release(reserveGrant);
    await token.connect(s.treasury).transfer(s.insurer.address, IST(100_000));

    // An insurance programme (open enrolment) with patient A enrolled and consenting.
    await claims
      .connect(s.insurer)
      .openProgramme(programme({ address: { token: await token.getAddress() }, agency: s.agency }));
    const programmeId = 1n;
    await token.connect(s.insurer).approve(await claims.getAddress(), hre.ethers.MaxUint256);
    await claims.connect(s.insurer).deposit(programmeId, IST(50_000));
    await claims.connect(s.insurer).enrol(programmeId, patients.a);
    await time.increase(60);

    // Patient A's records, and grants to the pharmacy (treatment) and the insurer (claims).
    let n = 0;
    const record = async () => {
      n += 1;
      await records.connect(s.hospital).register({
        patientId: patients.a,
        digest: hre.ethers.id(`matrix record ${n}`),
        recordType: RECORD_TYPES.diagnosis,
        issuedAt: await time.latest(),
        uri: `ipfs://matrix${n}`,
      });
      return BigInt(n);
    };
    const recordIds: bigint[] = [];
    for (let i = 0; i < 8; i++) recordIds.push(await record());
    const far = (await time.latest()) + 365 * DAY;
    const grantTo = (grantee: string, purpose: number) =>
      asPatient(participants, s.patientA, patients.a, consent, "grant", [
        { patientId: patients.a, grantee, purpose, scopeKind: 0, scope: [], expiresAt: far },
      ]);
    await grantTo(s.pharmacy.address, PURPOSES.treatment);
    await grantTo(s.insurer.address, PURPOSES["insurance-claim"]);
    const pharmacyGrant = await consent.grantIdOf(patients.a, ids.pharmacy, PURPOSES.treatment, 0, 0);

    // Claims in every state the rows need: one past its review deadline, one partly approved past its dispute
    // window; then one pending, one partly approved, one disputed. Each bill is signed by the hospital and
    // confirmed by the patient; a claim's id is its record's treatment id. A withdrawal announced early is due.
    const billOf = (recordId: bigint) => ({
      programmeId,
      recordIds: [recordId],
      amount: IST(1_000),
      payTo: 0,
      billDigest: hre.ethers.id(`matrix bill ${recordId}`),
      expiresAt: far,
    });
    const file = async (recordId: bigint) => {
      const bill = billOf(recordId);
      await asPatient(participants, s.patientA, patients.a, claims, "fileClaim", [
        bill,
        await signBill(claims, s.hospital, bill),
        NO_PERMIT,
      ]);
      return recordId;
    };
    // The research market: the researcher funds a request for diagnoses (a day to contest), and patient A
    // contributes record 7 to it now: its window has passed by the end of the fixture (anyone settles it).
    const { market, payments } = s;
    await token.connect(s.treasury).transfer(s.researcher.address, IST(1_000));
    await token.connect(s.researcher).approve(await market.getAddress(), hre.ethers.MaxUint256);
    const studyNow = await time.latest();
    const study = {
      recordTypes: 1n << BigInt(RECORD_TYPES.diagnosis),
      from: studyNow - 365 * DAY,
      to: studyNow + 365 * DAY,
      termsDigest: hre.ethers.id("matrix terms"),
      deidentificationDigest: hre.ethers.id("matrix rules"),
      price: IST(10),
      maxContributions: 5,
      deadline: studyNow + 60 * DAY,
      contestWindow: DAY,
      arbitratorId: ids.agency,
      sources: 1,
    };
    await market.connect(s.researcher).openRequest(study);
    await asPatient(participants, s.patientA, patients.a, market, "optIn", [1]);
    await asPatient(participants, s.patientA, patients.a, market, "contribute", [
      1,
      hre.ethers.id("matrix contribution"),
      "ipfs://c1",
      [recordIds[6]],
    ]);
    await claims.connect(s.insurer).announceWithdrawal(programmeId, IST(1), s.insurer.address);
    const overdue = await file(recordIds[0]);
    const oldPartial = await file(recordIds[1]);
    await claims.connect(s.insurer).approve(oldPartial, IST(100), code("partly"));
    await time.increase(8 * DAY);
    const pending = await file(recordIds[2]);
    const partial = await file(recordIds[3]);
    await claims.connect(s.insurer).approve(partial, IST(100), code("partly"));
    const disputed = await file(recordIds[4]);
    await claims.connect(s.insurer).approve(disputed, IST(100), code("partly"));
    await claims.connect(s.hospital).dispute(disputed, code("underpaid"), hre.ethers.id("evidence"));

    // The manufacturer's GS1 company prefix 0614141, licensed by the registrar (effective after the onboarding delay).
    await products.connect(s.registrar).assignPrefix(614141n, 7, ids.manufacturer);

    // A serialised batch: units at the manufacturer (its origin, id 1), the distributor and the pharmacy; a
    // shipment in transit to the distributor with the distributor's device assigned; a quarantined shipment at the
    // distributor; a prescription's fill allowance set by the hospital.
    const serials = buildSerialTree(["U0", "U1", "U2", "U3"]);
    const now = await time.latest();
    await supply.connect(s.manufacturer).registerBatch({
      gtin: supplyGtin,
      lot: code("LOT-M"),
      manufacturedAt: now - DAY,
      expiresAt: now + 365 * DAY,
      quantity: 100,
      tempMin: 200,
      tempMax: 800,
      humidityMin: 1000,
      humidityMax: 6000,
      serialRoot: serials.root,
      metadataURI: "",
      message: "",
    });
    const batchId = 1n;
    const origin = batchId;
    const ship = async (from: HardhatEthersSigner, source: bigint, toId: bigint, quantity: number) => {
      await supply.connect(from).ship(source, toId, quantity);
      return (await supply.queryFilter(supply.filters.Shipped(undefined, batchId))).at(-1)!.args.shipmentId;
    };
    const toDistributor = await ship(s.manufacturer, origin, ids.distributor, 10);
    await supply.connect(s.distributor).accept(toDistributor);
    const toPharmacy = await ship(s.manufacturer, origin, ids.pharmacy, 10);
    await supply.connect(s.pharmacy).accept(toPharmacy);
    const domain = supplyDomain(31337n, await supply.getAddress());
    /** `owner` registers a fresh device, which consents with its own key. */
    const registerDevice = async (owner: HardhatEthersSigner, ownerId: bigint, seed: string) => {
      const wallet = new hre.ethers.Wallet(hre.ethers.id(seed));
      const calibrationHash = hre.ethers.id("calibration");
      const consent = compactSignature(
        await wallet.signTypedData(domain, DEVICE_REGISTRATION_TYPES, {
          device: wallet.address,
          ownerId,
          kind: 3,
          calibrationHash,
          nonce: 0,
        }),
      );
      await supply.connect(owner).registerDevice(wallet.address, 3, calibrationHash, consent);
      return wallet;
    };
    const device = await registerDevice(s.distributor, ids.distributor, "matrix device");
    const makerDevice = await registerDevice(s.manufacturer, ids.manufacturer, "matrix maker device");
    const reading = async (shipmentId: bigint, temperature: number, sequence: bigint) => {
      const r = {
        device: device.address,
        shipmentId,
        temperature,
        humidity: 4000,
        timestamp: BigInt(await time.latest()),
        sequence,
      };
      return { readings: [r], signatures: [compactSignature(await device.signTypedData(domain, READING_TYPES, r))] };
    };
    const warm = await ship(s.manufacturer, origin, ids.distributor, 2);
    await supply.connect(s.distributor).assignDevice(warm, device.address);
    const excursion = await reading(warm, 1200, 1n);
    await supply.submitReadings(excursion.readings, excursion.signatures);
    await supply.connect(s.distributor).accept(warm);
    const inTransit = await ship(s.manufacturer, origin, ids.distributor, 5);
    // What names it when it is refused or reclaimed: its source and the source's units before it left.
    const { sourceId, sourceReturns, sourceRemaining } = (
      await supply.queryFilter(supply.filters.Shipped(inTransit))
    )[0].args;
    const inTransitSource = [sourceId, sourceReturns, sourceRemaining] as const;
    await supply.connect(s.distributor).assignDevice(inTransit, device.address);
    const prescription = new hre.ethers.Wallet(hre.ethers.id("matrix prescription"));
    const productSalt = hre.ethers.id("matrix product salt");
    await supply
      .connect(s.hospital)
      .setAllowance(
        prescription.address,
        hre.ethers.keccak256(
          hre.ethers.AbiCoder.defaultAbiCoder().encode(["uint64", "bytes32"], [supplyGtin, productSalt]),
        ),
        1,
        3,
        now + 365 * DAY,
        0,
      );
    const allowance = hre.ethers.keccak256(
      hre.ethers.AbiCoder.defaultAbiCoder().encode(["uint32", "address"], [ids.hospital, prescription.address]),
    );
    /** The patient's signature opening the allowance's next fill at the pharmacy. */
    const fillRequest = async () => {
      const fillsAfter = Number((await supply.getAllowance(allowance)).fillsLeft) - 1;
      const deadline = (await time.latest()) + DAY;
      const fill = { allowanceKey: allowance, pharmacyId: ids.pharmacy, fillsAfter, deadline };
      const signature = compactSignature(await prescription.signTypedData(domain, FILL_TYPES, fill));
      return { allowanceKey: allowance, productSalt, deadline, signature };
    };
    // A unit dispensed under the allowance, for the patient's report.
    const given = serials.unit("U3");
    await supply.connect(s.pharmacy).dispense(toPharmacy, given.index, given.serial, given.proof, await fillRequest());

    // Both hospitals break the glass on patient A (their justifications due in three days), then the second one is
    // suspended: it still answers for what it opened.
    await consent.connect(s.hospital).openEmergency(patients.a, code("er"));
    await consent.connect(s.emergencyHospital).openEmergency(patients.a, code("er"));
    // Patient-generated data: a model the regulator approved for the manufacturer (two firmware versions), a
    // glucose monitor bound to patient A, the hospital named as a writer of A's stream, and the second hospital
    // following A's devices under its emergency access (which its suspension, below, makes lapse).
    const { devices } = s;
    const devicesAt = devicesDomain(31337n, await devices.getAddress());
    const matrixFirmware = [hre.ethers.id("fw 1"), hre.ethers.id("fw 2")];
    await devices.connect(s.manufacturer).requestApproval(regulator, hre.ethers.id("matrix model"), matrixFirmware);
    await devices.connect(s.regulator).approveModel(ids.manufacturer, hre.ethers.id("matrix model"), matrixFirmware);
    const monitor = new hre.ethers.Wallet(hre.ethers.id("matrix glucose monitor"));
    /** A device's signature binding it to patient A (model 1, firmware 0), and the manufacturer's provisioning. */
    const binding = async (wallet: InstanceType<typeof hre.ethers.Wallet>) => {
      const b = { device: wallet.address, patientId: patients.a, modelId: 1, firmware: 0, deadline: far };
      const provisioning = { device: wallet.address, modelId: 1 };
      return [
        b,
        compactSignature(await wallet.signTypedData(devicesAt, DEVICE_BINDING_TYPES, b)),
        compactSignature(await s.manufacturer.signTypedData(devicesAt, DEVICE_PROVISIONING_TYPES, provisioning)),
      ] as const;
    };
    await asPatient(participants, s.patientA, patients.a, devices, "bindDevice", [...(await binding(monitor))]);
    await asPatient(participants, s.patientA, patients.a, devices, "setWriter", [ids.hospital, true]);
    await devices.connect(s.emergencyHospital).follow(patients.a);
    await participants.connect(s.registrar).suspend(ids.suspended, code("review"));

    // Patient B's diagnosis delivered to request 1 (contribution 2, read: the researcher may accept or contest it);
    // request 2, which patient A opted in to, and patient B's delivery there, read and contested (contribution 3).
    await records.connect(s.hospital).register({
      patientId: patients.b,
      digest: hre.ethers.id("matrix record of B"),
      recordType: RECORD_TYPES.diagnosis,
      issuedAt: await time.latest(),
      uri: "ipfs://matrixB",
    });
    const recordOfB = await records.recordCount();
    await participants
      .connect(s.patientB)
      .execute(
        patients.b,
        hre.ethers.ZeroHash,
        await market.getAddress(),
        market.interface.encodeFunctionData("optIn", [1]),
      );
    await participants
      .connect(s.patientB)
      .execute(
        patients.b,
        hre.ethers.ZeroHash,
        await market.getAddress(),
        market.interface.encodeFunctionData("contribute", [1, hre.ethers.id("c2"), "ipfs://c2", [recordOfB]]),
      );
    await market.connect(s.researcher).logRead(2);
    await market.connect(s.researcher).openRequest({ ...study, contestWindow: 7 * DAY });
    await asPatient(participants, s.patientA, patients.a, market, "optIn", [2]);
    for (const fn of ["optIn", "contribute"] as const) {
      await participants
        .connect(s.patientB)
        .execute(
          patients.b,
          hre.ethers.ZeroHash,
          await market.getAddress(),
          fn === "optIn"
            ? market.interface.encodeFunctionData("optIn", [2])
            : market.interface.encodeFunctionData("contribute", [2, hre.ethers.id("c3"), "ipfs://c3", [recordOfB]]),
        );
    }
    await market.connect(s.researcher).logRead(3);
    await market.connect(s.researcher).contest(3, code("unreadable"), hre.ethers.id("evidence"));

    // An invoice of the hospital to patient A for record 6, which patient A can pay (IST, allowance given).
    await token.connect(s.treasury).transfer(s.patientA.address, IST(1_000));
    await token.connect(s.patientA).approve(await payments.getAddress(), hre.ethers.MaxUint256);
    await payments.connect(s.hospital).issue({
      patientId: patients.a,
      token: await token.getAddress(),
      amount: IST(80),
      dueAt: (await time.latest()) + 30 * DAY,
      billDigest: hre.ethers.id("matrix invoice"),
      kind: 0,
      careRef: hre.ethers.toBeHex(recordIds[5], 32),
    });

    // A GOVERNOR operation already scheduled, for `cancel`.
    const setType = records.interface.encodeFunctionData("setRecordType", [9, true, code("nine")]);
    await manager.connect(governor).schedule(await records.getAddress(), setType, 0);

    const address = {
      manager: await manager.getAddress(),
      token: await token.getAddress(),
      distribution: await distribution.getAddress(),
      participants: await participants.getAddress(),
      records: await records.getAddress(),
      consent: await consent.getAddress(),
      claims: await claims.getAddress(),
      products: await products.getAddress(),
      supply: await supply.getAddress(),
      market: await market.getAddress(),
      payments: await payments.getAddress(),
      devices: await devices.getAddress(),
    };
    return {
      ...s,
      actors,
      ids,
      patients,
      address,
      programmeId,
      recordIds,
      pharmacyGrant,
      claimIds: { overdue, oldPartial, pending, partial, disputed },
      bill: billOf(recordIds[5]),
      batchId,
      origin,
      supplyGtin,
      serials,
      toDistributor,
      toPharmacy,
      warm,
      inTransit,
      inTransitSource,
      device,
      makerDevice,
      domain,
      reading,
      prescription,
      productSalt,
      allowance,
      fillRequest,
      given,
      setType,
      study,
      devicesAt,
      monitor,
      binding,
    };
  }

  type Ctx = Awaited<ReturnType<typeof matrixFixture>>;
  type Builder = (ctx: Ctx, actor: HardhatEthersSigner) => Promise<Call>;

  /** The salt an actor acts for patient A with: the guardian's own; zero for anyone else (as the patient's key). */
  const saltOf = (c: Ctx, actor: HardhatEthersSigner) =>
    actor.address === c.guardian.address ? GUARDIAN_SALT : hre.ethers.ZeroHash;

  /** A patient action as the actor makes it: through the directory's gateway, for patient A, with its salt. */
  function viaGateway(c: Ctx, actor: HardhatEthersSigner, target: string, data: string): Call {
    return {
      target: c.address.participants,
      data: c.participants.interface.encodeFunctionData("execute", [c.patients.a, saltOf(c, actor), target, data]),
    };
  }

  /**
   * For functions a patient reaches through the gateway and others call directly (a claim's claimant: the patient
   * or the hospital; the directory's own patient functions): the patient and its guardian go through the gateway,
   * every other actor calls directly.
   */
  function patientSide(c: Ctx, actor: HardhatEthersSigner, target: string, data: string): Call {
    const isPatientSide = actor.address === c.patientA.address || actor.address === c.guardian.address;
    return isPatientSide ? viaGateway(c, actor, target, data) : { target, data };
  }

  const calls: Record<string, Record<string, Builder>> = {
    MIIPAccessManager: {
      grantRole: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("grantRole", [ROLES.REGISTRAR, c.stranger.address, 0]),
      }),
      revokeRole: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("revokeRole", [ROLES.REGISTRAR, c.registrar.address]),
      }),
      renounceRole: async (c, a) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("renounceRole", [ROLES.REGISTRAR, a.address]),
      }),
      labelRole: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("labelRole", [7, "SEVEN"]),
      }),
      setRoleAdmin: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("setRoleAdmin", [7, ROLES.GOVERNOR]),
      }),
      setRoleGuardian: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("setRoleGuardian", [7, ROLES.GUARDIAN]),
      }),
      setGrantDelay: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("setGrantDelay", [7, 60]),
      }),
      setTargetFunctionRole: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("setTargetFunctionRole", [
          c.address.records,
          [c.records.interface.getFunction("pause")!.selector],
          7,
        ]),
      }),
      setTargetAdminDelay: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("setTargetAdminDelay", [c.address.records, 3600]),
      }),
      setTargetClosed: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("setTargetClosed", [c.address.records, true]),
      }),
      updateAuthority: async (c) => {
        const other = await new MIIPAccessManager__factory(c.deployer).deploy(c.deployer.address);
        return {
          target: c.address.manager,
          data: c.manager.interface.encodeFunctionData("updateAuthority", [
            c.address.distribution,
            await other.getAddress(),
          ]),
        };
      },
      multicall: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("multicall", [
          // Every admin is delayed, so a batch of admin calls is a batch of schedules, each checked as the caller.
          [
            c.manager.interface.encodeFunctionData("schedule", [
              c.address.manager,
              c.manager.interface.encodeFunctionData("labelRole", [7, "SEVEN"]),
              0,
            ]),
          ],
        ]),
      }),
      schedule: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("schedule", [
          c.address.records,
          c.records.interface.encodeFunctionData("setRecordType", [10, true, code("ten")]),
          0,
        ]),
      }),
      execute: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("execute", [
          c.address.participants,
          c.participants.interface.encodeFunctionData("suspend", [c.ids.researcher, code("x")]),
        ]),
      }),
      cancel: async (c) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("cancel", [
          c.actors.governor.address,
          c.address.records,
          c.setType,
        ]),
      }),
      consumeScheduledOp: async (c, a) => ({
        target: c.address.manager,
        data: c.manager.interface.encodeFunctionData("consumeScheduledOp", [a.address, c.setType]),
      }),
    },
    INSSETToken: {
      transfer: async (c) => ({
        target: c.address.token,
        data: c.token.interface.encodeFunctionData("transfer", [c.stranger.address, 0]),
      }),
      approve: async (c) => ({
        target: c.address.token,
        data: c.token.interface.encodeFunctionData("approve", [c.stranger.address, 1]),
      }),
      transferFrom: async (c, a) => ({
        target: c.address.token,
        data: c.token.interface.encodeFunctionData("transferFrom", [c.insurer.address, a.address, 0]),
      }),
      permit: async (c, a) => {
        const deadline = BigInt(await time.latest()) + 3600n;
        const value = IST(1);
        const sig = hre.ethers.Signature.from(
          await c.insurer.signTypedData(istPermitDomain(31337n, c.address.token), PERMIT_TYPES, {
            owner: c.insurer.address,
            spender: a.address,
            value,
            nonce: await c.token.nonces(c.insurer.address),
            deadline,
          }),
        );
        return {
          target: c.address.token,
          data: c.token.interface.encodeFunctionData("permit", [
            c.insurer.address,
            a.address,
            value,
            deadline,
            sig.v,
            sig.r,
            sig.s,
          ]),
        };
      },
      claim: async (c) => {
        const [account, [leaf]] = Object.entries(c.resolved.claim!.proofs.claims)[0];
        return {
          target: c.address.token,
          data: c.token.interface.encodeFunctionData("claim", [leaf.index, account, leaf.amount, leaf.proof]),
        };
      },
      sweep: async (c) => {
        await time.increaseTo(c.resolved.claim!.deadline + 1n);
        return { target: c.address.token, data: c.token.interface.encodeFunctionData("sweep") };
      },
    },
    ISTDistribution: {
      release: async (c) => {
        const reserve = c.resolved.genesis.grants.findIndex((g) => g.category === c.resolved.genesis.reserveCategory);
        return {
          target: c.address.distribution,
          data: c.distribution.interface.encodeFunctionData("release", [reserve]),
        };
      },
      createGrant: async (c) => {
        const dev = c.resolved.genesis.categories.findIndex(
          (cat) => hre.ethers.decodeBytes32String(cat.label) === "development",
        );
        return {
          target: c.address.distribution,
          data: c.distribution.interface.encodeFunctionData("createGrant", [
            c.stranger.address,
            dev,
            IST(1),
            await time.latest(),
            true,
          ]),
        };
      },
      revoke: async (c) => {
        const grant = c.resolved.genesis.grants.findIndex((g) => g.revocable);
        return { target: c.address.distribution, data: c.distribution.interface.encodeFunctionData("revoke", [grant]) };
      },
      releasePool: async (c) => {
        const pool = c.resolved.genesis.categories.findIndex((cat) => cat.kind === 1);
        return {
          target: c.address.distribution,
          data: c.distribution.interface.encodeFunctionData("releasePool", [pool, c.stranger.address, IST(1)]),
        };
      },
      setAuthority: async (c) => ({
        target: c.address.distribution,
        data: c.distribution.interface.encodeFunctionData("setAuthority", [c.stranger.address]),
      }),
    },
    ParticipantRegistry: {
      register: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("register", [
          hre.ethers.Wallet.createRandom().address,
          KINDS.pharmacy,
          hre.ethers.id("new"),
          "New",
          "",
        ]),
      }),
      activate: async (c) => {
        const id = await pendingInstitution(c);
        await time.increase(await c.participants.onboardingDelay());
        return { target: c.address.participants, data: c.participants.interface.encodeFunctionData("activate", [id]) };
      },
      cancelOnboarding: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("cancelOnboarding", [await pendingInstitution(c), code("x")]),
      }),
      setOnboardingDelay: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("setOnboardingDelay", [2 * DAY]),
      }),
      suspend: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("suspend", [c.ids.researcher, code("x")]),
      }),
      updateProfile: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("updateProfile", [c.ids.researcher, "R", "ipfs://r"]),
      }),
      reinstate: async (c) => {
        await time.increase(await c.participants.onboardingDelay()); // the notice period after the suspension
        const { statusChangedAt } = await c.participants.institution(c.ids.suspended);
        return {
          target: c.address.participants,
          data: c.participants.interface.encodeFunctionData("reinstate", [
            c.ids.suspended,
            statusChangedAt,
            code("ok"),
          ]),
        };
      },
      retire: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("retire", [c.ids.researcher, code("bye")]),
      }),
      recoverAccount: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("recoverAccount", [
          c.ids.researcher,
          hre.ethers.Wallet.createRandom().address,
        ]),
      }),
      upgradeToAndCall: async (c) => {
        const impl = await new ParticipantRegistry__factory(c.deployer).deploy();
        return {
          target: c.address.participants,
          data: c.participants.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      proposeAccount: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("proposeAccount", [hre.ethers.Wallet.createRandom().address]),
      }),
      acceptAccount: async (c) => {
        await c.participants.connect(c.researcher).proposeAccount(hre.ethers.Wallet.createRandom().address);
        return {
          target: c.address.participants,
          data: c.participants.interface.encodeFunctionData("acceptAccount", [c.ids.researcher]),
        };
      },
      initialize: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("initialize", [c.address.manager, 86_400]),
      }),
      setAuthority: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("setAuthority", [c.stranger.address]),
      }),
      registerPatient: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("registerPatient"),
      }),
      registerPatientBySig: async (c) => {
        const account = hre.ethers.Wallet.createRandom();
        const deadline = BigInt(await time.latest()) + 3600n;
        const signature = await account.signTypedData(
          participantsDomain(31337n, c.address.participants),
          REGISTER_PATIENT_TYPES,
          { account: account.address, deadline },
        );
        return {
          target: c.address.participants,
          data: c.participants.interface.encodeFunctionData("registerPatientBySig", [
            account.address,
            deadline,
            signature,
          ]),
        };
      },
      proposePatientAccount: async (c, a) =>
        patientSide(
          c,
          a,
          c.address.participants,
          c.participants.interface.encodeFunctionData("proposePatientAccount", [
            hre.ethers.Wallet.createRandom().address,
          ]),
        ),
      acceptPatientAccount: async (c) => {
        await c.participants.connect(c.patientA).proposePatientAccount(hre.ethers.Wallet.createRandom().address);
        return {
          target: c.address.participants,
          data: c.participants.interface.encodeFunctionData("acceptPatientAccount", [c.patients.a]),
        };
      },
      acceptPatientAccountBySig: async (c) => {
        const account = hre.ethers.Wallet.createRandom();
        await c.participants.connect(c.patientA).proposePatientAccount(account.address);
        const deadline = BigInt(await time.latest()) + 3600n;
        const signature = await account.signTypedData(
          participantsDomain(31337n, c.address.participants),
          ACCEPT_PATIENT_ACCOUNT_TYPES,
          { patientId: c.patients.a, account: account.address, deadline },
        );
        return {
          target: c.address.participants,
          data: c.participants.interface.encodeFunctionData("acceptPatientAccountBySig", [
            c.patients.a,
            account.address,
            deadline,
            signature,
          ]),
        };
      },
      setGuardian: async (c, a) =>
        patientSide(
          c,
          a,
          c.address.participants,
          c.participants.interface.encodeFunctionData("setGuardian", [
            guardianCommitment(c.patients.a, c.stranger.address, salt("new guardian")),
            1, // POWER_RECOVER
          ]),
        ),
      setRecoveryThreshold: async (c, a) => {
        // A guardian who may recover, so that a threshold of one is possible.
        await c.participants
          .connect(c.patientA)
          .setGuardian(guardianCommitment(c.patients.a, c.stranger.address, salt("recoverer")), 1);
        return patientSide(
          c,
          a,
          c.address.participants,
          c.participants.interface.encodeFunctionData("setRecoveryThreshold", [1]),
        );
      },
      approveRecovery: async (c, a) => {
        const { round } = await c.participants.patient(c.patients.a);
        return viaGateway(
          c,
          a,
          c.address.participants,
          c.participants.interface.encodeFunctionData("approveRecovery", [
            hre.ethers.Wallet.createRandom().address,
            round,
          ]),
        );
      },
      cancelRecovery: async (c, a) =>
        patientSide(c, a, c.address.participants, c.participants.interface.encodeFunctionData("cancelRecovery")),
      voidRecovery: async (c) => ({
        target: c.address.participants,
        data: c.participants.interface.encodeFunctionData("voidRecovery", [1n]),
      }),
      execute: async (c, a) =>
        // A patient action on a service (cancelling a signature patient A never gave the researcher).
        viaGateway(
          c,
          a,
          c.address.consent,
          c.consent.interface.encodeFunctionData("cancelNonce", [c.ids.researcher, PURPOSES.research, 0, 0]),
        ),
      relay: async (c) => {
        const { call, signature } = await signedCall(c.participants, c.patientA, {
          patientId: c.patients.a,
          target: c.address.consent,
          data: c.consent.interface.encodeFunctionData("cancelNonce", [c.ids.researcher, PURPOSES.research, 0, 0]),
        });
        return {
          target: c.address.participants,
          data: c.participants.interface.encodeFunctionData("relay", [call, signature]),
        };
      },
    },
    RecordRegistry: {
      register: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("register", [await newRecord(c)]),
      }),
      registerBatch: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("registerBatch", [[await newRecord(c)]]),
      }),
      amend: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("amend", [
          c.recordIds[7],
          hre.ethers.id("amended"),
          await time.latest(),
          "ipfs://amended",
        ]),
      }),
      setRecordType: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("setRecordType", [8, true, code("eight")]),
      }),
      setReadPolicy: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("setReadPolicy", [c.address.consent]),
      }),
      setPatientStreams: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("setPatientStreams", [c.address.devices]),
      }),
      registerSourced: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("registerSourced", [await ownRecord(c, "sourced"), 1, 0]),
      }),
      pause: async (c) => ({ target: c.address.records, data: c.records.interface.encodeFunctionData("pause") }),
      unpause: async (c) => {
        await c.records.connect(c.actors["guardian-role"]).pause();
        await time.increase(await c.participants.onboardingDelay()); // the notice period after the pause
        const data = c.records.interface.encodeFunctionData("unpause", [await c.records.pausedAt()]);
        return { target: c.address.records, data };
      },
      upgradeToAndCall: async (c) => {
        const impl = await new RecordRegistry__factory(c.deployer).deploy(c.address.participants);
        return {
          target: c.address.records,
          data: c.records.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      initialize: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("initialize", [c.address.manager, [], []]),
      }),
      setAuthority: async (c) => ({
        target: c.address.records,
        data: c.records.interface.encodeFunctionData("setAuthority", [c.stranger.address]),
      }),
    },
    ConsentManager: {
      grant: async (c, a) =>
        viaGateway(
          c,
          a,
          c.address.consent,
          c.consent.interface.encodeFunctionData("grant", [researchRequest(c, await time.latest())]),
        ),
      grantBySig: async (c) => {
        const request = researchRequest(c, await time.latest());
        const deadline = BigInt(await time.latest()) + 3600n;
        const signature = await c.patientA.signTypedData(consentDomain(31337n, c.address.consent), CONSENT_TYPES, {
          ...request,
          nonce: 0n,
          deadline,
        });
        return {
          target: c.address.consent,
          data: c.consent.interface.encodeFunctionData("grantBySig", [request, 0, deadline, signature]),
        };
      },
      revoke: async (c, a) =>
        viaGateway(c, a, c.address.consent, c.consent.interface.encodeFunctionData("revoke", [c.pharmacyGrant])),
      cancelNonce: async (c, a) =>
        viaGateway(
          c,
          a,
          c.address.consent,
          c.consent.interface.encodeFunctionData("cancelNonce", [c.ids.researcher, PURPOSES.research, 0, 0]),
        ),
      openEmergency: async (c) => ({
        target: c.address.consent,
        // Patient B: the hospital's access to patient A is open already.
        data: c.consent.interface.encodeFunctionData("openEmergency", [c.patients.b, code("er")]),
      }),
      justifyEmergency: async (c) => ({
        target: c.address.consent,
        data: c.consent.interface.encodeFunctionData("justifyEmergency", [c.patients.a, hre.ethers.id("note")]),
      }),
      flagMissedJustification: async (c) => ({
        target: c.address.consent,
        data: c.consent.interface.encodeFunctionData("flagMissedJustification", [c.patients.b, c.ids.suspended]),
      }),
      closeEmergency: async (c, a) =>
        viaGateway(
          c,
          a,
          c.address.consent,
          c.consent.interface.encodeFunctionData("closeEmergency", [c.ids.hospital, false]),
        ),
      setEmergencyBlock: async (c, a) =>
        viaGateway(
          c,
          a,
          c.address.consent,
          c.consent.interface.encodeFunctionData("setEmergencyBlock", [c.ids.hospital, true]),
        ),
      logAccess: async (c) => ({
        target: c.address.consent,
        data: c.consent.interface.encodeFunctionData("logAccess", [c.recordIds[0], PURPOSES.treatment]),
      }),
      logAccessBatch: async (c) => ({
        target: c.address.consent,
        data: c.consent.interface.encodeFunctionData("logAccessBatch", [
          [c.recordIds[0], c.recordIds[1]],
          PURPOSES.treatment,
        ]),
      }),
      setEmergencyWindow: async (c) => ({
        target: c.address.consent,
        data: c.consent.interface.encodeFunctionData("setEmergencyWindow", [2 * DAY]),
      }),
      upgradeToAndCall: async (c) => {
        const impl = await (
          await hre.ethers.getContractFactory("ConsentManager")
        ).deploy(c.address.participants, c.address.records);
        return {
          target: c.address.consent,
          data: c.consent.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      initialize: async (c) => ({
        target: c.address.consent,
        data: c.consent.interface.encodeFunctionData("initialize", [c.address.manager, DAY]),
      }),
      setAuthority: async (c) => ({
        target: c.address.consent,
        data: c.consent.interface.encodeFunctionData("setAuthority", [c.stranger.address]),
      }),
    },
    ClaimEscrow: {
      setCarePayments: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("setCarePayments", [c.address.payments]),
      }),
      openProgramme: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("openProgramme", [programme(c)]),
      }),
      closeProgramme: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("closeProgramme", [c.programmeId]),
      }),
      deposit: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("deposit", [c.programmeId, IST(1)]),
      }),
      announceWithdrawal: async (c, a) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("announceWithdrawal", [c.programmeId, IST(1), a.address]),
      }),
      withdraw: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("withdraw", [c.programmeId]),
      }),
      enrol: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("enrol", [c.programmeId, c.patients.b]),
      }),
      endCover: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("endCover", [c.programmeId, c.patients.a]),
      }),
      join: async (c, a) => {
        // A second programme with open enrolment: patient A is in the first one already.
        await c.claims.connect(c.insurer).openProgramme(programme(c));
        const programmeId = await c.claims.programmeCount();
        return viaGateway(c, a, c.address.claims, c.claims.interface.encodeFunctionData("join", [programmeId]));
      },
      fileClaim: async (c, a) =>
        patientSide(
          c,
          a,
          c.address.claims,
          c.claims.interface.encodeFunctionData("fileClaim", [c.bill, "0x", NO_PERMIT]),
        ),
      cancelBill: async (c, a) =>
        patientSide(c, a, c.address.claims, c.claims.interface.encodeFunctionData("cancelBill", [c.bill])),
      approve: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("approve", [c.claimIds.pending, IST(10), code("ok")]),
      }),
      reject: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("reject", [c.claimIds.pending, code("no")]),
      }),
      dispute: async (c, a) =>
        patientSide(
          c,
          a,
          c.address.claims,
          c.claims.interface.encodeFunctionData("dispute", [c.claimIds.partial, code("x"), hre.ethers.ZeroHash]),
        ),
      applyDefault: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("applyDefault", [c.claimIds.oldPartial]),
      }),
      replaceArbitrator: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("replaceArbitrator", [c.programmeId, c.agency.address]),
      }),
      arbitrate: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("arbitrate", [c.claimIds.disputed, IST(10), code("award")]),
      }),
      withdrawCredit: async (c, a) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("withdrawCredit", [c.address.token, a.address]),
      }),
      upgradeToAndCall: async (c) => {
        const impl = await (
          await hre.ethers.getContractFactory("ClaimEscrow")
        ).deploy(c.address.participants, c.address.records, hre.ethers.ZeroAddress);
        return {
          target: c.address.claims,
          data: c.claims.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      initialize: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("initialize", [c.address.manager]),
      }),
      setAuthority: async (c) => ({
        target: c.address.claims,
        data: c.claims.interface.encodeFunctionData("setAuthority", [c.stranger.address]),
      }),
    },
    ProductRegistry: {
      assignPrefix: async (c) => ({
        target: c.address.products,
        data: c.products.interface.encodeFunctionData("assignPrefix", [614142n, 7, c.ids.manufacturer]),
      }),
      cancelPrefix: async (c) => ({
        target: c.address.products,
        data: c.products.interface.encodeFunctionData("cancelPrefix", [614141n, 7, code("mistaken")]),
      }),
      revokePrefix: async (c) => {
        await time.increase(await c.participants.onboardingDelay());
        return {
          target: c.address.products,
          data: c.products.interface.encodeFunctionData("revokePrefix", [614141n, 7, code("lapsed")]),
        };
      },
      registerProduct: async (c) => {
        await time.increase(await c.participants.onboardingDelay());
        return {
          target: c.address.products,
          data: c.products.interface.encodeFunctionData("registerProduct", [
            gtinWithCheckDigit("0061414100001"),
            7,
            PRODUCT_DATA,
          ]),
        };
      },
      updateProduct: async (c) => {
        const gtin = await matrixProduct(c);
        return {
          target: c.address.products,
          data: c.products.interface.encodeFunctionData("updateProduct", [gtin, PRODUCT_DATA]),
        };
      },
      publishLeaflet: async (c) => {
        const gtin = await matrixProduct(c);
        return {
          target: c.address.products,
          data: c.products.interface.encodeFunctionData("publishLeaflet", [
            gtin,
            languageCode("en"),
            hre.ethers.id("leaflet"),
            "ipfs://leaflet",
          ]),
        };
      },
      upgradeToAndCall: async (c) => {
        const impl = await (
          await hre.ethers.getContractFactory("ProductRegistry")
        ).deploy(c.address.participants, c.address.records);
        return {
          target: c.address.products,
          data: c.products.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      initialize: async (c) => ({
        target: c.address.products,
        data: c.products.interface.encodeFunctionData("initialize", [c.address.manager]),
      }),
      setAuthority: async (c) => ({
        target: c.address.products,
        data: c.products.interface.encodeFunctionData("setAuthority", [c.stranger.address]),
      }),
    },
    SupplyChain: {
      registerBatch: async (c) => {
        const now = await time.latest();
        const input = {
          gtin: c.supplyGtin,
          lot: code("LOT-N"),
          manufacturedAt: now - 1,
          expiresAt: now + DAY,
          quantity: 1,
          tempMin: 0,
          tempMax: 1,
          humidityMin: 0,
          humidityMax: 1,
          serialRoot: c.serials.root,
          metadataURI: "",
          message: "",
        };
        return { target: c.address.supply, data: c.supply.interface.encodeFunctionData("registerBatch", [input]) };
      },
      ship: async (c, a) => {
        // Each holder ships from what it holds; anyone else names the origin, which is the manufacturer's.
        const source =
          a.address === c.distributor.address
            ? c.toDistributor
            : a.address === c.pharmacy.address
              ? c.toPharmacy
              : c.origin;
        const to = a.address === c.distributor.address ? c.ids.pharmacy : c.ids.distributor;
        return { target: c.address.supply, data: c.supply.interface.encodeFunctionData("ship", [source, to, 1]) };
      },
      accept: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("accept", [c.inTransit]),
      }),
      refuse: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("refuse", [...c.inTransitSource]),
      }),
      reclaim: async (c) => {
        await time.increase(await c.supply.SHIPMENT_TIMEOUT());
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("reclaim", [...c.inTransitSource]),
        };
      },
      setAllowance: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("setAllowance", [
          hre.ethers.Wallet.createRandom().address,
          hre.ethers.id("commitment"),
          1,
          1,
          (await time.latest()) + DAY,
          0,
        ]),
      }),
      cancelAllowance: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("cancelAllowance", [c.allowance]),
      }),
      dispense: async (c) => {
        const unit = c.serials.unit("U0");
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("dispense", [
            c.toPharmacy,
            unit.index,
            unit.serial,
            unit.proof,
            await c.fillRequest(),
          ]),
        };
      },
      registerDevice: async (c, a) => {
        const wallet = hre.ethers.Wallet.createRandom();
        const ownerId = (await c.participants.memberOf(a.address)).id;
        const calibrationHash = hre.ethers.id("cal");
        const consent = compactSignature(
          await wallet.signTypedData(c.domain, DEVICE_REGISTRATION_TYPES, {
            device: wallet.address,
            ownerId,
            kind: 1,
            calibrationHash,
            nonce: 0,
          }),
        );
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("registerDevice", [wallet.address, 1, calibrationHash, consent]),
        };
      },
      revokeDevice: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("revokeDevice", [c.device.address]),
      }),
      revokeAllowance: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("revokeAllowance", [c.allowance, code("fraud")]),
      }),
      revokeDeviceByGovernance: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("revokeDeviceByGovernance", [c.device.address]),
      }),
      assignDevice: async (c, a) => {
        // A party assigns its own device: the manufacturer's is not yet on the shipment (the distributor's is).
        const device = a.address === c.distributor.address ? c.device : c.makerDevice;
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("assignDevice", [c.inTransit, device.address]),
        };
      },
      submitReadings: async (c) => {
        const signed = await c.reading(c.inTransit, 500, 2n);
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("submitReadings", [signed.readings, signed.signatures]),
        };
      },
      resolveQuarantine: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("resolveQuarantine", [c.warm, 1]),
      }),
      recall: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("recall", [c.batchId, code("recall"), "Return it."]),
      }),
      withdrawRecall: async (c) => {
        await c.supply.connect(c.regulator).recall(c.batchId, code("recall"), "");
        await time.increase(await c.participants.onboardingDelay()); // the notice period after the recall
        const { recalledAt } = await c.supply.getBatch(c.batchId);
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("withdrawRecall", [c.batchId, recalledAt, code("mistaken")]),
        };
      },
      noticeHolders: async (c) => {
        await c.supply.connect(c.regulator).recall(c.batchId, code("recall"), "");
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("noticeHolders", [c.batchId, [c.toPharmacy]]),
        };
      },
      reportAdverseEvent: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("reportAdverseEvent", [
          c.batchId,
          hre.ethers.id("report"),
          "ipfs://report",
        ]),
      }),
      confirmIntake: async (c) => {
        const intake = {
          gtin: c.supplyGtin,
          serial: c.given.serial,
          hospitalId: c.ids.hospital,
          takenAt: await time.latest(),
          by: 0,
        };
        const signature = compactSignature(await c.prescription.signTypedData(c.domain, INTAKE_TYPES, intake));
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("confirmIntake", [
            intake.gtin,
            intake.serial,
            intake.hospitalId,
            intake.takenAt,
            intake.by,
            signature,
          ]),
        };
      },
      reportAdverseEventAsPatient: async (c) => {
        const report = {
          gtin: c.supplyGtin,
          serial: c.given.serial,
          hospitalId: c.ids.hospital,
          digest: hre.ethers.id("report"),
          uri: "ipfs://report",
        };
        const signature = compactSignature(
          await c.prescription.signTypedData(c.domain, ADVERSE_EVENT_REPORT_TYPES, report),
        );
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("reportAdverseEventAsPatient", [
            report.gtin,
            report.serial,
            report.hospitalId,
            report.digest,
            report.uri,
            signature,
          ]),
        };
      },
      upgradeToAndCall: async (c) => {
        const extension = await (
          await hre.ethers.getContractFactory("SupplyChainExtension")
        ).deploy(c.address.participants, c.address.records, c.address.products);
        const impl = await (
          await hre.ethers.getContractFactory("SupplyChain")
        ).deploy(c.address.participants, c.address.records, c.address.products, await extension.getAddress());
        return {
          target: c.address.supply,
          data: c.supply.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      initialize: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("initialize", [c.address.manager]),
      }),
      setAuthority: async (c) => ({
        target: c.address.supply,
        data: c.supply.interface.encodeFunctionData("setAuthority", [c.stranger.address]),
      }),
    },
    ResearchMarket: {
      openRequest: async (c) => ({
        target: c.address.market,
        data: c.market.interface.encodeFunctionData("openRequest", [c.study]),
      }),
      optIn: async (c, a) => viaGateway(c, a, c.address.market, c.market.interface.encodeFunctionData("optIn", [2])),
      withdrawOptIn: async (c, a) =>
        viaGateway(c, a, c.address.market, c.market.interface.encodeFunctionData("withdrawOptIn", [2])),
      contribute: async (c, a) =>
        viaGateway(
          c,
          a,
          c.address.market,
          c.market.interface.encodeFunctionData("contribute", [2, hre.ethers.id("c4"), "ipfs://c4", [c.recordIds[7]]]),
        ),
      logRead: async (c) => ({ target: c.address.market, data: c.market.interface.encodeFunctionData("logRead", [2]) }),
      accept: async (c) => ({ target: c.address.market, data: c.market.interface.encodeFunctionData("accept", [2]) }),
      contest: async (c) => ({
        target: c.address.market,
        data: c.market.interface.encodeFunctionData("contest", [2, code("garbage"), hre.ethers.id("evidence")]),
      }),
      arbitrate: async (c) => ({
        target: c.address.market,
        data: c.market.interface.encodeFunctionData("arbitrate", [3, false]),
      }),
      settle: async (c) => ({ target: c.address.market, data: c.market.interface.encodeFunctionData("settle", [1]) }),
      close: async (c) => ({ target: c.address.market, data: c.market.interface.encodeFunctionData("close", [1]) }),
      refund: async (c) => ({ target: c.address.market, data: c.market.interface.encodeFunctionData("refund", [1]) }),
      upgradeToAndCall: async (c) => {
        const impl = await (
          await hre.ethers.getContractFactory("ResearchMarket")
        ).deploy(c.address.participants, c.address.records, c.address.token);
        return {
          target: c.address.market,
          data: c.market.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      initialize: async (c) => ({
        target: c.address.market,
        data: c.market.interface.encodeFunctionData("initialize", [c.address.manager]),
      }),
      setAuthority: async (c) => ({
        target: c.address.market,
        data: c.market.interface.encodeFunctionData("setAuthority", [c.address.manager]),
      }),
    },
    DeviceRegistry: {
      requestApproval: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("requestApproval", [
          c.ids.regulator,
          hre.ethers.id("another model"),
          [hre.ethers.id("fw")],
        ]),
      }),
      approveModel: async (c) => {
        // The manufacturer asked the regulator first.
        await c.devices
          .connect(c.manufacturer)
          .requestApproval(c.ids.regulator, hre.ethers.id("another model"), [hre.ethers.id("fw")]);
        return {
          target: c.address.devices,
          data: c.devices.interface.encodeFunctionData("approveModel", [
            c.ids.manufacturer,
            hre.ethers.id("another model"),
            [hre.ethers.id("fw")],
          ]),
        };
      },
      approveFirmware: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("approveFirmware", [1, hre.ethers.id("fw 3")]),
      }),
      withdrawFirmware: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("withdrawFirmware", [1, 1, code("unsafe patch")]),
      }),
      withdrawModel: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("withdrawModel", [1, code("unsafe")]),
      }),
      bindDevice: async (c, a) => {
        const args = await c.binding(new hre.ethers.Wallet(hre.ethers.id("matrix second monitor")));
        return viaGateway(c, a, c.address.devices, c.devices.interface.encodeFunctionData("bindDevice", [...args]));
      },
      revokeDevice: async (c, a) =>
        viaGateway(
          c,
          a,
          c.address.devices,
          c.devices.interface.encodeFunctionData("revokeDevice", [c.monitor.address]),
        ),
      anchor: async (c) => {
        const to = await time.latest();
        const anchor = {
          device: c.monitor.address,
          sequence: 1,
          from: Number((await c.devices.deviceOf(c.monitor.address)).lastEnd) + 1,
          to,
          count: 96,
          firmware: 0,
          batchDigest: hre.ethers.id("readings"),
        };
        const uri = "ipfs://readings";
        const signature = compactSignature(
          await c.monitor.signTypedData(c.devicesAt, READING_ANCHOR_TYPES, { ...anchor, uriHash: hre.ethers.id(uri) }),
        );
        return {
          target: c.address.devices,
          data: c.devices.interface.encodeFunctionData("anchor", [anchor, uri, signature]),
        };
      },
      setWriter: async (c, a) =>
        viaGateway(
          c,
          a,
          c.address.devices,
          c.devices.interface.encodeFunctionData("setWriter", [c.ids.researcher, true]),
        ),
      writeOwnRecord: async (c, a) => {
        // A record from the patient's glucose monitor, which signs it.
        const record = await ownRecord(c, "own");
        const signature = compactSignature(
          await c.monitor.signTypedData(c.devicesAt, DEVICE_RECORD_TYPES, {
            device: c.monitor.address,
            patientId: record.patientId,
            digest: record.digest,
            recordType: record.recordType,
            issuedAt: record.issuedAt,
            firmware: 0,
          }),
        );
        return viaGateway(
          c,
          a,
          c.address.devices,
          c.devices.interface.encodeFunctionData("writeOwnRecord", [record, 1, 0, signature]),
        );
      },
      restoreModel: async (c) => {
        await c.devices.connect(c.regulator).withdrawModel(1, code("mistake"));
        // An undo waits the suite's notice period after the act it undoes, besides the governor's delay.
        await time.increase(await c.participants.onboardingDelay());
        return {
          target: c.address.devices,
          data: c.devices.interface.encodeFunctionData("restoreModel", [1, 1, code("mistaken withdrawal")]),
        };
      },
      setProvisioner: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("setProvisioner", [hre.ethers.id("factory key").slice(0, 42)]),
      }),
      restoreFirmware: async (c) => {
        await c.devices.connect(c.regulator).withdrawFirmware(1, 1, code("mistake"));
        await time.increase(await c.participants.onboardingDelay());
        return {
          target: c.address.devices,
          data: c.devices.interface.encodeFunctionData("restoreFirmware", [1, 1, 1, code("mistaken")]),
        };
      },
      reassignModel: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("reassignModel", [1, c.ids.regulator2, code("unresponsive")]),
      }),
      writeRecord: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("writeRecord", [await ownRecord(c, "written")]),
      }),
      follow: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("follow", [c.patients.a]),
      }),
      unfollow: async (c) => {
        await c.devices.connect(c.hospital).follow(c.patients.a);
        return { target: c.address.devices, data: c.devices.interface.encodeFunctionData("unfollow", [c.patients.a]) };
      },
      dropFollower: async (c, a) =>
        viaGateway(c, a, c.address.devices, c.devices.interface.encodeFunctionData("dropFollower", [c.ids.suspended])),
      dropLapsedFollower: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("dropLapsedFollower", [c.patients.a, c.ids.suspended]),
      }),
      upgradeToAndCall: async (c) => {
        const impl = await (
          await hre.ethers.getContractFactory("DeviceRegistry")
        ).deploy(c.address.participants, c.address.records);
        return {
          target: c.address.devices,
          data: c.devices.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      initialize: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("initialize", [c.address.manager]),
      }),
      setAuthority: async (c) => ({
        target: c.address.devices,
        data: c.devices.interface.encodeFunctionData("setAuthority", [c.address.manager]),
      }),
    },
    CarePayments: {
      // A hospital bills a record it wrote; a pharmacy (or anyone else) a dispensing.
      issue: async (c, a) => {
        const hospital = a.address === c.hospital.address || a.address === c.emergencyHospital.address;
        return {
          target: c.address.payments,
          data: c.payments.interface.encodeFunctionData("issue", [
            {
              patientId: c.patients.a,
              token: c.address.token,
              amount: IST(10),
              dueAt: (await time.latest()) + 30 * DAY,
              billDigest: hre.ethers.id("matrix bill"),
              kind: hospital ? 0 : 1,
              careRef: hospital ? hre.ethers.toBeHex(c.recordIds[4], 32) : hre.ethers.id("matrix dispensing"),
            },
          ]),
        };
      },
      cancel: async (c) => ({
        target: c.address.payments,
        data: c.payments.interface.encodeFunctionData("cancel", [1, code("wrong")]),
      }),
      pay: async (c, a) =>
        viaGateway(
          c,
          a,
          c.address.payments,
          c.payments.interface.encodeFunctionData("pay", [
            1,
            { deadline: 0, v: 0, r: hre.ethers.ZeroHash, s: hre.ethers.ZeroHash },
          ]),
        ),
      upgradeToAndCall: async (c) => {
        const impl = await (
          await hre.ethers.getContractFactory("CarePayments")
        ).deploy(c.address.participants, c.address.records, c.address.claims);
        return {
          target: c.address.payments,
          data: c.payments.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        };
      },
      initialize: async (c) => ({
        target: c.address.payments,
        data: c.payments.interface.encodeFunctionData("initialize", [c.address.manager]),
      }),
      setAuthority: async (c) => ({
        target: c.address.payments,
        data: c.payments.interface.encodeFunctionData("setAuthority", [c.address.manager]),
      }),
    },
  };

  function programme(c: { address: { token: string }; agency: { address: string } }) {
    return {
      token: c.address.token,
      coveredTypes: (1n << 1n) | (1n << 2n) | (1n << 3n),
      perClaimCap: IST(5_000),
      perPatientYearCap: IST(50_000),
      autoApproveThreshold: IST(300),
      copayBps: 2_000,
      filingWindowDays: 90,
      reviewDays: 7,
      disputeDays: 7,
      arbitrationDays: 14,
      arbitrator: c.agency.address,
      openEnrolment: true,
      copayOnChain: false,
    };
  }

  async function newRecord(c: Ctx) {
    return {
      patientId: c.patients.a,
      digest: hre.ethers.id(`new ${Math.random()}`),
      recordType: 1,
      issuedAt: await time.latest(),
      uri: "ipfs://new",
    };
  }

  /** A record of patient A's own stream (device readings), for the device registry's write paths. */
  async function ownRecord(c: Ctx, label: string) {
    return {
      patientId: c.patients.a,
      digest: hre.ethers.id(`${label} ${Math.random()}`),
      recordType: RECORD_TYPES["device-readings"],
      issuedAt: await time.latest(),
      uri: `ipfs://${label}`,
    };
  }

  function researchRequest(c: Ctx, now: number) {
    return {
      patientId: c.patients.a,
      grantee: c.researcher.address,
      purpose: PURPOSES.research,
      scopeKind: 0,
      scope: [] as bigint[],
      expiresAt: BigInt(now + DAY),
    };
  }

  /** The manufacturer's product 00614141000012, registered once its prefix took effect. */
  async function matrixProduct(c: Ctx): Promise<bigint> {
    await time.increase(await c.participants.onboardingDelay());
    const gtin = gtinWithCheckDigit("0061414100001");
    await c.products.connect(c.manufacturer).registerProduct(gtin, 7, PRODUCT_DATA);
    return gtin;
  }

  /** A fresh institution, registered by the registrar and pending for the onboarding delay. */
  async function pendingInstitution(c: Ctx): Promise<bigint> {
    const account = hre.ethers.Wallet.createRandom().address;
    await c.participants.connect(c.registrar).register(account, KINDS.distributor, hre.ethers.id(account), "New", "");
    return c.participants.institutionCount();
  }

  function outcomeOf(error: unknown): string {
    const decoded = asMIIPError(error);
    if (decoded) return decoded.name;
    // consumeScheduledOp asks its caller whether it is consuming an operation; an account cannot answer.
    if (String((error as Error).message).includes("unexpected amount of data")) return "NotAManagedContract";
    throw error;
  }

  /** The actors whose role carries an execution delay: their calls go through schedule and execute. */
  const DELAYED: Actor[] = ["admin", "governor"];

  /** Makes the call as the actor: directly, or for a delayed actor through schedule, the delay and execute. */
  async function attempt(c: Ctx, actor: Actor, call: Call): Promise<string> {
    const signer = c.actors[actor];
    try {
      await (await signer.sendTransaction({ to: call.target, data: call.data })).wait();
      return "ok";
    } catch (error) {
      const outcome = outcomeOf(error);
      if (!DELAYED.includes(actor) || outcome !== "AccessManagerNotScheduled") return outcome;
    }
    // A delayed role member's direct call needs a scheduled operation: schedule, wait, execute.
    try {
      await (await delayedCall(c.manager, signer, { getAddress: async () => call.target }, call.data)).wait();
      return "ok";
    } catch (error) {
      return outcomeOf(error);
    }
  }

  it("is printed, up to date, in docs/ACCESS.md (npm run access)", async function () {
    const prettier = await import("prettier");
    const file = path.join(__dirname, "..", "..", "docs", "ACCESS.md");
    const expected = await prettier.format(accessMarkdown(), {
      ...(await prettier.resolveConfig(file)),
      filepath: file,
    });
    expect(readFileSync(file, "utf8")).to.equal(expected);
  });

  it("covers every state-changing function of every deployed contract, and nothing else", async function () {
    for (const [name, key] of Object.entries(CONTRACTS)) {
      const abi = (await hre.artifacts.readArtifact(name)).abi as {
        type: string;
        name: string;
        stateMutability: string;
      }[];
      const functions = abi
        .filter((f) => f.type === "function" && !["view", "pure"].includes(f.stateMutability))
        .map((f) => f.name)
        .sort();
      expect(Object.keys(ACCESS[name]).sort(), `${name} (config/access.ts)`).to.deep.equal(functions);
      expect(Object.keys(calls[name]).sort(), `${name} (${key} builders)`).to.deep.equal(functions);
    }
  });

  for (const [contract, functions] of Object.entries(ACCESS)) {
    for (const fn of Object.keys(functions)) {
      it(`${contract}.${fn}`, async function () {
        const outcomes: string[] = [];
        for (const actor of ACTORS) {
          const c2 = await loadFixture(matrixFixture);
          const call = await calls[contract][fn](c2, c2.actors[actor]);
          const outcome = await attempt(c2, actor, call);
          outcomes.push(outcome);
          if (mayCall(contract, fn, actor)) {
            expect(
              AUTHORISATION_ERRORS.has(outcome) && !(fn === "withdrawCredit" && outcome === "ClaimsNoCredit"),
              `${actor} may call ${contract}.${fn} but was refused with ${outcome}`,
            ).to.equal(false);
          } else {
            expect(
              AUTHORISATION_ERRORS.has(outcome),
              `${actor} may not call ${contract}.${fn} but got ${outcome}`,
            ).to.equal(true);
          }
        }
        if (!NO_SUCCESS.has(`${contract}.${fn}`)) {
          expect(
            outcomes.filter((o) => o === "ok"),
            `nobody succeeded: ${outcomes.join(", ")}`,
          ).to.not.have.length(0);
        }
      });
    }
  }
});

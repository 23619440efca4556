import { expect } from "chai";
import hre from "hardhat";
import { Interface, ZeroAddress, type ParamType } from "ethers";

import { ENUM_LABELS, MIIPError, asMIIPError, decodeRevertData, decoded, isMIIPError } from "../../packages/sdk/src";
import { revertDataOf } from "../../packages/sdk/src/errors";

/** The contracts a deployment of the suite consists of: every error they can raise must decode. */
const DEPLOYED = [
  "MIIPAccessManager",
  "INSSETToken",
  "ISTDistribution",
  "ParticipantRegistry",
  "RecordRegistry",
  "ConsentManager",
  "ClaimEscrow",
  "ProductRegistry",
  "SupplyChain",
  "ResearchMarket",
  "CarePayments",
  "DeviceRegistry",
];

function sample(param: ParamType): unknown {
  if (param.baseType === "array") return [];
  if (param.baseType === "tuple") return param.components!.map(sample);
  if (param.type === "address") return ZeroAddress;
  if (param.type === "bool") return false;
  if (param.type === "string") return "x";
  if (param.type.startsWith("bytes"))
    return "0x" + "00".repeat(param.type === "bytes" ? 1 : Number(param.type.slice(5)));
  return 1n;
}

describe("SDK error decoding", function () {
  it("decodes every custom error of every deployed contract, naming it and its arguments", async function () {
    let count = 0;
    for (const name of DEPLOYED) {
      const iface = new Interface((await hre.artifacts.readArtifact(name)).abi);
      iface.forEachError((fragment) => {
        const data = iface.encodeErrorResult(fragment, fragment.inputs.map(sample));
        const error = decodeRevertData(data);
        expect(error, `${name}.${fragment.name}`).to.be.instanceOf(MIIPError);
        expect(error!.name).to.equal(fragment.name);
        expect(Object.keys(error!.args)).to.deep.equal(fragment.inputs.map((i) => i.name));
        expect(String(error).startsWith(`${fragment.name}: `)).to.equal(true);
        // A sentence naming an argument the error no longer has would print "undefined".
        expect(String(error), `${name}.${fragment.name}`).not.to.contain("undefined");
        count += 1;
      });
    }
    expect(count).to.be.greaterThan(150);
  });

  it("formats times, enums, purposes, record types and codes for people", function () {
    // Selectors pick the suite's own declarations, whose ABI names each enum (`enum IClaimEscrow.ClaimStatus`).
    const iface = new Interface([
      "error ConsentSignatureExpired(uint256 deadline, uint256 now)",
      "error ClaimsInvalidStatus(uint256 claimId, uint8 status)",
      "error ConsentScopeNotGrantable(uint8 scopeKind)",
      "error ConsentNoLiveRight(address reader, uint256 recordId, uint8 purpose)",
      "error ClaimsRecordTypeNotCovered(uint256 recordId, uint8 recordType)",
      "error ClaimsInvalidConfiguration(uint8 setting)",
      "error ParticipantsWrongKind(address account, uint8 kind, uint256 allowedKinds)",
      "error SupplyNotInTransit(uint256 shipmentId, uint8 status)",
      "error ClaimsAlreadyEnrolled(uint256 programmeId, uint64 patient, uint40 enrolledAt)",
      "error RecordsInvalidTime(uint256 index, uint40 issuedAt, uint256 now)",
      "error ConsentEmergencyCapReached(uint64 patientId, uint32 hospitalId, uint40 periodEndsAt)",
      "error PatientsRecoveryNotDue(uint64 patientId, uint40 dueAt)",
      "error PatientsGuardianLacksPower(uint64 patientId, bytes32 commitment, uint8 power)",
    ]);
    const decode = (name: string, args: unknown[]) => String(decodeRevertData(iface.encodeErrorResult(name, args)));
    expect(decode("ConsentSignatureExpired", [1_795_000_000n, 1_795_003_600n])).to.equal(
      "ConsentSignatureExpired: the signature expired at 2026-11-18T11:06:40Z (now 2026-11-18T12:06:40Z)",
    );
    expect(decode("ClaimsInvalidStatus", [4n, 7n])).to.equal("ClaimsInvalidStatus: claim 4 is settled");
    expect(decode("ConsentScopeNotGrantable", [3n])).to.equal("ConsentScopeNotGrantable: scopeKind emergency");
    expect(decode("ConsentNoLiveRight", [ZeroAddress, 12n, 2n])).to.equal(
      `ConsentNoLiveRight: ${ZeroAddress} has no live right to read record 12 for research`,
    );
    expect(decode("ClaimsRecordTypeNotCovered", [9n, 3n])).to.equal(
      "ClaimsRecordTypeNotCovered: recordId 9, recordType lab-result",
    );
    expect(decode("ClaimsInvalidConfiguration", [5n])).to.equal("ClaimsInvalidConfiguration: setting copayBps");
    expect(decode("ParticipantsWrongKind", [ZeroAddress, 2n, 1n << 1n])).to.equal(
      `ParticipantsWrongKind: ${ZeroAddress} is a pharmacy, not a hospital`,
    );
    expect(decode("ParticipantsWrongKind", [ZeroAddress, 1n, (1n << 2n) | (1n << 3n)])).to.equal(
      `ParticipantsWrongKind: ${ZeroAddress} is a hospital, not a pharmacy or an insurer`,
    );
    expect(decode("SupplyNotInTransit", [7n, 4n])).to.equal("SupplyNotInTransit: shipmentId 7, status returned");
    expect(decode("ClaimsAlreadyEnrolled", [2n, 7n, 1_795_000_000n])).to.equal(
      "ClaimsAlreadyEnrolled: patient 7 is already enrolled in programme 2, since 2026-11-18T11:06:40Z (a cover must end before another starts)",
    );
    expect(decode("ConsentEmergencyCapReached", [7n, 4n, 1_795_000_000n])).to.equal(
      "ConsentEmergencyCapReached: institution 4 already opened emergency access to patient 7 as often as allowed in the period ending at 2026-11-18T11:06:40Z",
    );
    expect(decode("PatientsRecoveryNotDue", [7n, 1_795_000_000n])).to.equal(
      "PatientsRecoveryNotDue: the recovery of patient 7 can be accepted from 2026-11-18T11:06:40Z",
    );
    const commitment = "0x" + "ab".repeat(32);
    expect(decode("PatientsGuardianLacksPower", [7n, commitment, 2n])).to.equal(
      `PatientsGuardianLacksPower: guardian ${commitment} of patient 7 lacks the act power`,
    );
    expect(decode("RecordsInvalidTime", [3n, 0n, 1_795_000_000n])).to.equal(
      "RecordsInvalidTime: entry 3: no time of care given",
    );
    expect(decode("RecordsInvalidTime", [0n, 1_795_003_600n, 1_795_000_000n])).to.equal(
      "RecordsInvalidTime: entry 0: issued at 2026-11-18T12:06:40Z, which is after now (2026-11-18T11:06:40Z)",
    );
  });

  it("names every value of every enum the deployed contracts carry, as the Solidity enum numbers them", async function () {
    // Every enum in a deployed contract's ABI (arguments of functions, events and errors, struct fields) ...
    const used = new Map<string, string>();
    const walk = (params: readonly { internalType?: string; components?: unknown[] }[] = []) => {
      for (const p of params) {
        const match = /^enum (\w+)\.(\w+)$/.exec(p.internalType ?? "");
        if (match) used.set(match[2], `${match[1]}.${match[2]}`);
        walk(p.components as typeof params);
      }
    };
    const members = new Map<string, string[]>();
    for (const name of DEPLOYED) {
      const artifact = await hre.artifacts.readArtifact(name);
      for (const entry of artifact.abi) walk([...(entry.inputs ?? []), ...(entry.outputs ?? [])]);
      // ... and its members as the compiler saw them.
      const info = await hre.artifacts.getBuildInfo(`${artifact.sourceName}:${name}`);
      for (const { ast } of Object.values(info!.output.sources)) {
        for (const unit of ast.nodes as { nodeType: string; name: string; nodes?: unknown[] }[]) {
          for (const node of (unit.nodes ?? []) as { nodeType: string; name: string; members?: { name: string }[] }[]) {
            if (node.nodeType === "EnumDefinition") {
              members.set(
                `${unit.name}.${node.name}`,
                node.members!.map((m) => m.name),
              );
            }
          }
        }
      }
    }
    expect([...used.keys()].sort()).to.deep.equal(Object.keys(ENUM_LABELS).sort());
    for (const [name, qualified] of used) {
      expect(ENUM_LABELS[name], qualified).to.have.length(members.get(qualified)!.length);
    }
  });

  it("decodes panics and string reverts, and leaves unknown data alone", function () {
    const std = new Interface(["error Error(string)", "error Panic(uint256)"]);
    const panic = decodeRevertData(std.encodeErrorResult("Panic", [0x11]))!;
    expect([panic.name, String(panic)]).to.deep.equal(["Panic", "Panic: arithmetic overflow or underflow (0x11)"]);
    const reverted = decodeRevertData(std.encodeErrorResult("Error", ["no"]))!;
    expect([reverted.name, String(reverted), reverted.args.reason]).to.deep.equal(["Error", "Error: no", "no"]);
    expect(decodeRevertData("0xdeadbeef")).to.equal(undefined);
    expect(decodeRevertData("0x")).to.equal(undefined);
    expect(decodeRevertData("0xcda384ba" + "00")).to.equal(undefined); // truncated arguments
  });

  it("finds revert data wherever a provider puts it", async function () {
    const data = "0xcda384ba" + "0".repeat(63) + "7";
    expect(revertDataOf({ data })).to.equal(data);
    expect(revertDataOf({ error: { error: { data } } })).to.equal(data);
    expect(revertDataOf({ info: { error: { data: { data } } } })).to.equal(data);
    expect(revertDataOf({ body: JSON.stringify({ error: { data } }) })).to.equal(data);
    expect(revertDataOf({ body: "not json" })).to.equal(undefined);
    expect(revertDataOf("text")).to.equal(undefined);
    expect(String(asMIIPError({ cause: { data } }))).to.equal("RecordsUnknownRecord: there is no record 7");
    expect(asMIIPError(new Error("network down"))).to.equal(undefined);
    const already = asMIIPError({ data })!;
    expect(asMIIPError(already)).to.equal(already);
    expect(isMIIPError(already)).to.equal(true);
    expect(isMIIPError(new Error("x"))).to.equal(false);
    await expect(decoded(() => Promise.reject({ data }))).to.be.rejectedWith(MIIPError, "there is no record 7");
    const other = new Error("timeout");
    await expect(decoded(() => Promise.reject(other))).to.be.rejectedWith(other);
    expect(await decoded(async () => 5)).to.equal(5);
  });
});

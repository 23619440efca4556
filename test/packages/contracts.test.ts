import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";

import hre from "hardhat";
import { Interface } from "ethers";
import {
  type Hex,
  createPublicClient,
  createWalletClient,
  custom,
  decodeErrorResult,
  encodeErrorResult,
  getAddress,
  type Abi,
} from "viem";
import * as pkg from "@miip/contracts";

import * as eip712 from "../../config/eip712";
import { KINDS, PURPOSES, RECORD_TYPES, ROLES } from "../../config/roles";
import { CONTRACTS_PACKAGE_DIR, DEPLOYED_ABIS, contractsPackageFiles } from "../../scripts/lib/contracts-package";
import { onboardedFixture } from "../helpers/fixtures";
import { ROOT } from "../helpers/node";

/** An argument of the right type for an error input, for encoding a sample of it. */
function sample(type: string): unknown {
  if (type.endsWith("]")) return [];
  if (type === "address") return "0x0000000000000000000000000000000000000001";
  if (type === "bool") return true;
  if (type === "string") return "x";
  if (type === "bytes") return "0x01";
  if (type.startsWith("bytes")) return "0x" + "01".repeat(Number(type.slice(5)));
  return 1n;
}

/**
 * `@miip/contracts` as a dApp uses it, through the workspace link (what `npm i @miip/contracts` installs): the
 * ABIs with viem against the in-process chain, the EIP-712 data a wallet signs, the suite's errors in one ABI.
 */
describe("@miip/contracts: the suite's ABIs, errors, EIP-712 data and deployments, no compiler needed", function () {
  it("is the package `hardhat compile` writes from the current artifacts and config/", async function () {
    const files = await contractsPackageFiles(hre.artifacts, path.join(ROOT, "deploy", "deployments"));
    for (const [file, content] of files) {
      expect(readFileSync(path.join(CONTRACTS_PACKAGE_DIR, file), "utf8"), `${file} is stale`).to.equal(content);
    }
    expect([...files.keys()]).to.include.members(["dist/index.mjs", "dist/index.cjs", "dist/index.d.ts"]);
  });

  it("carries each deployed contract's ABI, as JSON and as a constant", async function () {
    for (const [contract, artifact] of Object.entries(DEPLOYED_ABIS)) {
      const abi = (await hre.artifacts.readArtifact(artifact)).abi;
      const json = JSON.parse(readFileSync(path.join(CONTRACTS_PACKAGE_DIR, "abi", `${contract}.json`), "utf8"));
      expect(json, contract).to.deep.equal(abi);
    }
    expect(pkg.participantRegistryAbi).to.deep.equal((await hre.artifacts.readArtifact("IParticipantRegistry")).abi);
    expect(pkg.istDistributionAbi).to.deep.equal((await hre.artifacts.readArtifact("IISTDistribution")).abi);
    expect(pkg.miipAccessManagerAbi).to.deep.equal((await hre.artifacts.readArtifact("IAccessManager")).abi);
    expect(pkg.contractNames).to.deep.equal(Object.keys(DEPLOYED_ABIS));
  });

  it("decodes every error of every contract of the suite with one ABI, whichever contract raised it", async function () {
    const names = (await hre.artifacts.getAllFullyQualifiedNames()).filter(
      (name) => name.startsWith("contracts/") && !name.startsWith("contracts/mocks/"),
    );
    let count = 0;
    for (const name of names) {
      const { abi } = await hre.artifacts.readArtifact(name);
      for (const item of abi as { type: string; name: string; inputs: { type: string }[] }[]) {
        if (item.type !== "error") continue;
        const data = encodeErrorResult({
          abi: [item],
          errorName: item.name,
          args: item.inputs.map((i) => sample(i.type)),
        });
        const decoded = decodeErrorResult({ abi: pkg.suiteErrorsAbi as Abi, data });
        expect(decoded.errorName, name).to.equal(item.name);
        count += 1;
      }
    }
    expect(count).to.be.greaterThan(300);
    const signatures = new Interface(pkg.suiteErrorsAbi as unknown as string[]).fragments.map((f) => f.format());
    expect(new Set(signatures).size, "each error once").to.equal(signatures.length);
  });

  it("gives the EIP-712 types, domains and numbers config/ defines, as plain data", function () {
    for (const [name, value] of Object.entries(eip712)) {
      if (name.endsWith("_TYPES")) expect((pkg as Record<string, unknown>)[name], name).to.deep.equal(value);
    }
    expect(pkg.eip712Domain("ConsentManager", 31337, "0x0000000000000000000000000000000000000001")).to.deep.equal(
      eip712.consentDomain(31337n, "0x0000000000000000000000000000000000000001"),
    );
    // A wrong argument, not a deployment's fault: a TypeError, not MIIPDeploymentError.
    expect(() => pkg.eip712Domain("RecordRegistry" as "ConsentManager", 1, "0x00")).to.throw(
      TypeError,
      /^RecordRegistry signs nothing: the signing contracts are ParticipantRegistry, ConsentManager, ClaimEscrow, SupplyChain, DeviceRegistry, INSSETToken$/,
    );
    expect(pkg.roles).to.deep.equal(ROLES);
    expect(pkg.institutionKinds).to.deep.equal(KINDS);
    expect(pkg.purposes).to.deep.equal(PURPOSES);
    expect(pkg.recordTypes).to.deep.equal(RECORD_TYPES);
  });

  it("refuses, in one line, a chain it has no deployment for", function () {
    expect(() => pkg.deploymentFor(11155111)).to.throw(
      pkg.MIIPDeploymentError,
      /^no MIIP deployment on chain 11155111 in @miip\/contracts \(it has none yet\): pass the addresses\.json your deployment wrote$/,
    );
  });

  describe("with viem", function () {
    it("reads, signs consent with the exported types, has it submitted, and decodes another contract's refusal", async function () {
      const { consent, records, participants, patientA, pharmacy, stranger, ids } = await onboardedFixture();
      const transport = custom(hre.network.provider);
      const client = createPublicClient({ transport });
      const chainId = await client.getChainId();
      const address = async (contract: { getAddress(): Promise<string> }) => getAddress(await contract.getAddress());

      // Read: the directory's view of the pharmacy, typed from the ABI constant.
      const member = await client.readContract({
        address: await address(participants),
        abi: pkg.participantRegistryAbi,
        functionName: "memberOf",
        args: [getAddress(pharmacy.address)],
      });
      expect(member.id).to.equal(Number(ids.pharmacy));
      expect(member.kind).to.equal(pkg.institutionKinds.pharmacy);

      // Sign: patient A's wallet signs the consent with the package's types and domain; the pharmacy submits it.
      const deadline = BigInt((await client.getBlock()).timestamp) + 3_600n;
      const request = {
        patientId: ids.patientA,
        grantee: getAddress(pharmacy.address),
        purpose: pkg.purposes.treatment,
        scopeKind: 1,
        scope: [BigInt(pkg.recordTypes.prescription)],
        expiresAt: Number(deadline + 86_400n),
      } as const;
      const patientWallet = createWalletClient({ account: getAddress(patientA.address), transport });
      const signature = await patientWallet.signTypedData({
        domain: pkg.eip712Domain("ConsentManager", chainId, await address(consent)),
        types: pkg.CONSENT_TYPES,
        primaryType: "Consent",
        message: { ...request, scope: [...request.scope], nonce: 0, deadline },
      });
      const pharmacyWallet = createWalletClient({ account: getAddress(pharmacy.address), transport });
      const hash = await pharmacyWallet.writeContract({
        address: await address(consent),
        abi: pkg.consentManagerAbi,
        functionName: "grantBySig",
        chain: null,
        args: [{ ...request, scope: [...request.scope] }, 0, deadline, signature],
      });
      expect((await client.waitForTransactionReceipt({ hash })).status).to.equal("success");
      const grantId = await consent.grantIdOf(
        ids.patientA,
        ids.pharmacy,
        PURPOSES.treatment,
        1,
        RECORD_TYPES.prescription,
      );
      expect((await consent.getGrant(grantId)).expiresAt).to.equal(BigInt(request.expiresAt));

      // Refuse: a stranger registering a record is refused by the directory, inside the registry's call. The
      // registry's ABI does not know the error; the suite's errors ABI does.
      let data: Hex | undefined;
      try {
        await client.call({
          account: getAddress(stranger.address),
          to: await address(records),
          data: records.interface.encodeFunctionData("register", [
            { patientId: ids.patientA, digest: hre.ethers.ZeroHash, recordType: 1, issuedAt: 1, uri: "ipfs://x" },
          ]) as Hex,
        });
      } catch (error) {
        data = (error as { walk: (fn: (e: unknown) => boolean) => { data?: Hex } }).walk(
          (e) => typeof (e as { data?: unknown }).data === "string",
        ).data;
      }
      expect(data).to.match(/^0x[0-9a-f]{8}/);
      expect(() => decodeErrorResult({ abi: pkg.recordRegistryAbi, data: data! })).to.throw(/not found on ABI/);
      const refusal = decodeErrorResult({ abi: pkg.suiteErrorsAbi, data: data! });
      expect(refusal.errorName).to.match(/^Participants/);
      expect(refusal.args?.[0]).to.equal(getAddress(stranger.address));
    });
  });
});

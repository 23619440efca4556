import hre from "hardhat";
import { expect } from "chai";

import { contractSizes, isDeployedContract, sizeTable } from "../../bench/sizes";

describe("contract sizes (bench/sizes.ts)", function () {
  it("measures every deployed contract under contracts/ from its artifact, and nothing else", async function () {
    const rows = await contractSizes(hre.artifacts);
    const names = rows.map((r) => r.contract);
    // The eight contracts the deployment creates (the proxy is OpenZeppelin's, from node_modules).
    expect(names).to.include.members([
      "ClaimEscrow",
      "ConsentManager",
      "MIIPAccessManager",
      "ParticipantRegistry",
      "RecordRegistry",
      "SupplyChain",
      "INSSETToken",
      "ISTDistribution",
    ]);
    // Test doubles, interfaces, abstract bases and internal libraries are never deployed on their own.
    for (const absent of [
      "ReferenceERC20",
      "RegistryV2",
      "IClaimEscrow",
      "SuiteService",
      "ERC20MerkleClaim",
      "Paging",
    ]) {
      expect(names).not.to.include(absent);
    }
    expect(rows.every((r) => r.source.startsWith("contracts/") && !r.source.startsWith("contracts/mocks/"))).to.equal(
      true,
    );

    const escrow = rows.find((r) => r.contract === "ClaimEscrow");
    const artifact = await hre.artifacts.readArtifact("ClaimEscrow");
    expect(escrow).to.deep.include({
      source: "contracts/claims/ClaimEscrow.sol",
      runtime: (artifact.deployedBytecode.length - 2) / 2,
      initcode: (artifact.bytecode.length - 2) / 2,
    });
    expect(escrow?.initcode).to.be.greaterThan(escrow?.runtime ?? Infinity);
  });

  it("counts a library only when it has public functions (then it is deployed and linked)", async function () {
    const paging = await hre.artifacts.readArtifact("Paging");
    expect(isDeployedContract(paging)).to.equal(false);
    const linked = { ...paging, abi: [{ type: "function", name: "end", inputs: [], outputs: [] }] };
    expect(isDeployedContract(linked)).to.equal(true);
    expect(isDeployedContract(await hre.artifacts.readArtifact("RecordRegistry"))).to.equal(true);
    expect(isDeployedContract(await hre.artifacts.readArtifact("IRecordRegistry"))).to.equal(false);
  });

  it("prints each contract's margin to the EIP-170 and EIP-3860 limits", function () {
    expect(
      sizeTable([
        { contract: "ClaimEscrow", source: "contracts/claims/ClaimEscrow.sol", runtime: 24_000, initcode: 25_000 },
      ]),
    ).to.deep.equal([
      "| contract    | runtime bytes | margin to 24,576 | initcode bytes | margin to 49,152 |",
      "|-------------|---------------|------------------|----------------|------------------|",
      "| ClaimEscrow | 24,000        | 576              | 25,000         | 24,152           |",
    ]);
  });
});

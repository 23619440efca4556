import { existsSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import hre from "hardhat";
import { vars } from "hardhat/config";
import { ETHERSCAN_V2_API_URL, Etherscan } from "@nomicfoundation/hardhat-verify/internal/etherscan";

import { PUBLIC_NETWORKS } from "../../config/networks";
import { ParameterError, loadParameters, resolveParameters } from "../../scripts/lib/parameters";
import { ROOT } from "../helpers/node";

const ACCOUNTS = Array.from({ length: 30 }, (_, i) => "0x" + (i + 1).toString(16).padStart(40, "0"));

/**
 * The public test networks: Sepolia, an OP Stack chain and Arbitrum's. Each is a Hardhat network at its chain id,
 * has a parameter file with the public-network checks, an npm script to deploy and one to verify, and a chain
 * hardhat-verify can verify on with the one Etherscan key.
 */
describe("public networks: Sepolia, OP Sepolia, Arbitrum Sepolia", function () {
  const scripts = require(path.join(ROOT, "package.json")).scripts as Record<string, string>;

  for (const [name, { chainId, rpc }] of Object.entries(PUBLIC_NETWORKS)) {
    describe(name, function () {
      it(`is a Hardhat network at chain ${chainId}, its RPC from ${rpc}, with scripts to deploy and verify`, function () {
        const network = hre.config.networks[name] as { chainId?: number; url?: string };
        expect(network.chainId).to.equal(chainId);
        // Without its secret the config still loads, with an address that can never be reached by mistake.
        if (!process.env[rpc] && !vars.has(rpc)) expect(network.url).to.equal(`https://${name}.invalid`);
        expect(scripts[`deploy:${name}`]).to.equal(`hardhat run scripts/deploy.ts --network ${name}`);
        expect(scripts[`verify:${name}`]).to.equal(`hardhat ignition verify chain-${chainId}`);
      });

      it("resolves its parameter file with separate governance accounts, and refuses the deploying key", function () {
        const file = path.join(ROOT, "deploy", "parameters", `${name}.json`);
        expect(existsSync(file), file).to.equal(true);
        const spec = loadParameters(file);
        const context = {
          deployer: ACCOUNTS[0],
          accounts: ACCOUNTS,
          now: 1_700_000_000,
          baseDir: path.dirname(file),
          chainId,
          env: { MIIP_GOVERNANCE_ADMIN: ACCOUNTS[12], MIIP_GOVERNOR: ACCOUNTS[13], MIIP_GUARDIAN: ACCOUNTS[14] },
        };
        const resolved = resolveParameters(spec, context, file);
        expect(resolved.admin).to.equal(ACCOUNTS[12]);
        expect(resolved.registry.governorDelay).to.equal(48 * 3600);
        expect(resolved.claim?.proofs.root).to.match(/^0x[0-9a-f]{64}$/);
        expect(() =>
          resolveParameters(spec, { ...context, env: { ...context.env, MIIP_GOVERNANCE_ADMIN: ACCOUNTS[0] } }, file),
        ).to.throw(ParameterError, `governance.admin: the deploying key ${ACCOUNTS[0]} cannot be the admin`);
      });

      it("is verified through Etherscan's v2 API with the one key, by chain id", async function () {
        const provider = {
          send: async (method: string) => (method === "eth_chainId" ? `0x${chainId.toString(16)}` : null),
        };
        const chain = await Etherscan.getCurrentChainConfig(name, provider as never, hre.config.etherscan.customChains);
        expect(chain.chainId).to.equal(chainId);
        const etherscan = Etherscan.fromChainConfig("one-key", chain);
        expect(etherscan.apiUrl).to.equal(ETHERSCAN_V2_API_URL);
        expect(etherscan.chainId).to.equal(chainId);
      });
    });
  }
});

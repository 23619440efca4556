import { expect } from "chai";
import { cpSync, writeFileSync } from "node:fs";
import path from "node:path";
import { format } from "node:util";

import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { HardhatContext } from "hardhat/internal/context";
import { HDNodeWallet, Mnemonic } from "ethers";

import { LOCAL_ACCOUNTS } from "../../config/localAccounts";
import { isolatedCliFolders, seededFixture } from "../helpers/tasks";

const MNEMONIC = "test test test test test test test test test test test junk";
const keyOf = (name: keyof typeof LOCAL_ACCOUNTS) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${LOCAL_ACCOUNTS[name]}`);

/**
 * The command line on a public network, in this process: the seeded chain seen as `--network sepolia` sees it (one
 * configured account, the deployer's; each party's key from its Hardhat configuration variable), the tasks' real
 * actions run against it (audit 6: a role's key named by its address).
 */
describe("command line: one key per role on a public network", function () {
  let folders: ReturnType<typeof isolatedCliFolders>;
  before(() => (folders = isolatedCliFolders({ shared: true })));
  after(() => folders.restore());

  /** The in-process chain as `--network sepolia` sees it: one config account (the deployer), roles from vars. */
  async function sepolia() {
    const deployer = (await hre.ethers.getSigners())[0];
    const ethers = Object.create(hre.ethers, { getSigners: { value: async () => [deployer] } });
    const network = { ...hre.network, name: "sepolia" };
    return Object.create(hre, { network: { value: network }, ethers: { value: ethers } }) as typeof hre;
  }

  async function run(fake: typeof hre, name: string, args: Record<string, unknown>) {
    const out: string[] = [];
    const err: string[] = [];
    const { log, error } = console;
    const saved = process.exitCode;
    process.exitCode = undefined;
    console.log = (...p: unknown[]) => out.push(format(...p));
    console.error = (...p: unknown[]) => err.push(format(...p));
    try {
      await hre.tasks[name].action(args as never, fake as never, (async () => undefined) as never);
    } finally {
      console.log = log;
      console.error = error;
    }
    const code = Number(process.exitCode ?? 0);
    process.exitCode = saved;
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  }

  it("proposes a rotation with the hospital's key and accepts it with the new key, each from its variable; encrypts for a patient whose key is a role's", async function () {
    await loadFixture(seededFixture);
    cpSync(path.join(folders.dir, "deployments", "localhost"), path.join(folders.dir, "deployments", "sepolia"), {
      recursive: true,
    });
    const env = (HardhatContext.getHardhatContext().varsManager as unknown as { _envCache: Record<string, string> })
      ._envCache;
    env.MIIP_SEPOLIA_HOSPITAL_KEY = keyOf("hospital").privateKey;
    env.MIIP_SEPOLIA_STRANGER_KEY = keyOf("stranger").privateKey;
    try {
      const fake = await sepolia();
      env.MIIP_SEPOLIA_PATIENT_A_KEY = keyOf("patientA").privateKey;
      const document = path.join(folders.dir, "public.txt");
      writeFileSync(document, "a document for patient A");
      const added = await run(fake, "record:add", {
        patient: "patientA",
        file: document,
        type: "lab",
        from: "hospital",
      });
      expect(added.stderr).to.equal("");
      expect(added.stdout).to.match(/^record 5 registered for patient 1/);
      const proposed = await run(fake, "institution:rotate", { to: "stranger", from: "hospital", accept: false });
      expect(proposed.stderr).to.equal("");
      expect(proposed.stdout).to.match(/^institution 1 proposed to move to 0x/);
      const accepted = await run(fake, "institution:rotate", { to: "stranger", accept: true, institution: "1" });
      expect(accepted.stderr).to.equal("");
      expect(accepted.stdout).to.match(new RegExp(`^institution 1 now acts from ${keyOf("stranger").address}`));
      // A role with no variable is refused, naming it; nothing falls back to the deployer's key.
      const insurer = await run(fake, "claim:deposit", { programme: "1", amount: "1", from: "insurer" });
      expect([insurer.code, insurer.stderr]).to.deep.equal([
        1,
        "error: --from insurer: sepolia has no key for insurer: set one with `npx hardhat vars set MIIP_SEPOLIA_INSURER_KEY`, or give --from an address this network holds a key for",
      ]);
    } finally {
      delete env.MIIP_SEPOLIA_HOSPITAL_KEY;
      delete env.MIIP_SEPOLIA_STRANGER_KEY;
      delete env.MIIP_SEPOLIA_PATIENT_A_KEY;
    }
  });
});

/** The command line: token. */

import path from "node:path";

import { task } from "hardhat/config";

import {
  accountOf,
  action,
  address,
  amount,
  Args,
  connect,
  done,
  FROM,
  InputError,
  integer,
  readJson,
  shown,
  signerFor,
  units,
} from "../cli";

task("airdrop:claim", "Claims an account's genesis airdrop leaves (anyone may submit; tokens go to the account)")
  .addParam("account", "The account (or local account name)")
  .addOptionalParam("proofs", "The claim's proofs file (default: the network's claim.proofs.json)")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const { deploymentNetwork, deploymentsDir } = await import("../../scripts/lib/locations");
      const network = deploymentNetwork(hre.network.name);
      const file = args.proofs ?? path.join(deploymentsDir(), network, "claim.proofs.json");
      const proofs = readJson(file, "proofs") as {
        claims?: Record<string, { index: string; amount: string; proof: string[] }[]>;
      };
      const account = await accountOf(hre, args.account, "account");
      const leaves = Object.entries(proofs?.claims ?? {}).find(([a]) => a.toLowerCase() === account.toLowerCase())?.[1];
      if (!leaves) throw new InputError(`${account} has no leaf in ${shown(file)}`);
      const miip = await connect(hre, args.from);
      for (const leaf of leaves) {
        if (await miip.token.isClaimed(leaf.index)) {
          console.log(`leaf ${leaf.index} already claimed`);
          continue;
        }
        done(
          `leaf ${leaf.index}: ${units(BigInt(leaf.amount))} to ${account}`,
          await miip.token.claimAirdrop({ ...leaf, account }),
        );
      }
    }),
  );

task("vesting:release", "Releases what a vesting grant has vested (anyone may; tokens go to the beneficiary)")
  .addParam("grant", "The grant id")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = await miip.token.release(integer(args.grant, "grant"));
      done(`grant ${args.grant}: released ${units(r.amount)} (total ${units(r.releasedTotal)})`, r);
    }),
  );

task("balance", "An account's IST balance")
  .addParam("account", "The account (or local account name)")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const account = await accountOf(hre, args.account, "account");
      console.log(`${account}: ${units(await miip.token.balanceOf(account))}`);
    }),
  );

// Used by the tasks above only through `connect`; kept exported for the seeded node.
export { signerFor };

task("transfer", "Transfers IST from the acting account")
  .addParam("to", "The receiver: an address or local account name")
  .addParam("amount", "Amount in IST (e.g. 250 or 12.5)")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const to = await accountOf(hre, args.to, "to");
      const value = amount(args.amount, "amount");
      const miip = await connect(hre, args.from);
      done(`${units(value)} sent to ${to}`, await miip.token.transfer(to, value));
    }),
  );

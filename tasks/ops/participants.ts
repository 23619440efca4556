/** The command line: participants. */

import { task } from "hardhat/config";

import { accountOf, action, address, Args, connect, done, FROM, integer, pageArgs, when } from "../cli";

task("institution:add", "The registrar onboards an institution (only the licence's hash goes on chain)")
  .addParam("account", "The institution's address")
  .addParam(
    "kind",
    "hospital, pharmacy, insurer, public-health-agency, researcher, manufacturer, distributor, regulator",
  )
  .addParam("licence", "Its licence number")
  .addParam("name", "Its display name")
  .addOptionalParam("metadata", "A metadata URI", "")
  .addOptionalParam("from", FROM, "registrar")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const account = await accountOf(hre, args.account, "account");
      const r = await miip.participants.register({
        account,
        kind: args.kind!,
        licence: args.licence!,
        name: args.name!,
        metadataURI: args.metadata,
      });
      done(
        `institution ${r.institutionId} onboarded: ${args.name} (${args.kind}) at ${account}, pending until ${when(r.activatesAt)} (the guardian role can cancel it until it is activated)`,
        r,
      );
    }),
  );

task("institution:activate", "Anyone activates a pending institution once its onboarding delay has passed")
  .addParam("id", "The institution's id")
  .addOptionalParam("from", FROM, "registrar")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = Number(integer(args.id, "id"));
      done(`institution ${id} is active`, await miip.participants.activate(id));
    }),
  );

task("institution:cancel", "The guardian role stops a pending onboarding for good")
  .addParam("id", "The institution's id")
  .addParam("reason", "A reason code")
  .addOptionalParam("from", FROM, "deployer")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = Number(integer(args.id, "id"));
      done(
        `onboarding of institution ${id} cancelled (${args.reason})`,
        await miip.participants.cancelOnboarding(id, args.reason!),
      );
    }),
  );

task("institution:list", "Lists the participant directory, a page at a time")
  .addOptionalParam("offset", "First entry", "0")
  .addOptionalParam("limit", "Entries per page", "20")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const page = await miip.participants.list(pageArgs(args));
      console.log(`${page.total} institutions`);
      for (const i of page.entries) {
        console.log(`  #${i.id} ${i.name.padEnd(28)} ${i.kind.padEnd(21)} ${i.status.padEnd(9)} ${i.account}`);
      }
    }),
  );

/** The command line: participants. */

import { task } from "hardhat/config";

import {
  accountOf,
  action,
  address,
  Args,
  connect,
  done,
  FROM,
  governed,
  governedFlags,
  InputError,
  institutionIdOf,
  integer,
  pageArgs,
  when,
} from "../cli";

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

task("institution:suspend", "The registrar suspends an institution at once, everywhere in the suite")
  .addParam("institution", "The institution: its id, address or local account name")
  .addParam("reason", "A reason code")
  .addOptionalParam("from", FROM, "registrar")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = Number(await institutionIdOf(hre, miip, args.institution, "institution"));
      done(`institution ${id} suspended (${args.reason})`, await miip.participants.suspend(id, args.reason!));
    }),
  );

governedFlags(
  task(
    "institution:reinstate",
    "Governance gives a suspended institution its rights back: the first run schedules it (public for the governor's delay), a run after the delay executes it",
  )
    .addParam("institution", "The institution: its id, address or local account name")
    .addParam("reason", "A reason code"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await connect(hre, args.from);
    const id = Number(await institutionIdOf(hre, miip, args.institution, "institution"));
    await governed(hre, miip, await miip.governance.reinstate(id, args.reason!), args);
  }),
);

task("institution:profile", "The registrar updates an institution's display name and metadata URI")
  .addParam("institution", "The institution: its id, address or local account name")
  .addParam("name", "Its display name (public)")
  .addOptionalParam("uri", "Its public metadata URI", "")
  .addOptionalParam("from", FROM, "registrar")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const id = Number(await institutionIdOf(hre, miip, args.institution, "institution"));
      done(`institution ${id} is now "${args.name}"`, await miip.participants.updateProfile(id, args.name!, args.uri!));
    }),
  );

task(
  "institution:rotate",
  "An institution proposes a new address (key rotation); the new address accepts with --accept",
)
  .addParam("to", "The new address (or local account name)")
  .addFlag("accept", "Run as the new address: take the institution over")
  .addOptionalParam("institution", "With --accept: the institution (its id, or its current address or name)")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const to = await accountOf(hre, args.to, "to");
      if (args.accept) {
        const miip = await connect(hre, to);
        if (!args.institution) throw new InputError("--accept needs --institution");
        const id = Number(await institutionIdOf(hre, miip, args.institution, "institution"));
        done(`institution ${id} now acts from ${to}`, await miip.participants.acceptAccount(id));
        return;
      }
      const miip = await connect(hre, args.from);
      const member = await miip.participants.memberOf(await miip.address());
      if (member === undefined) throw new InputError(`--from: ${await miip.address()} is no institution`);
      done(
        `institution ${member.id} proposed to move to ${to}; it accepts with --accept --institution ${member.id}`,
        await miip.participants.proposeAccount(to),
      );
    }),
  );

governedFlags(
  task(
    "institution:onboarding-delay",
    "Governance sets the onboarding delay of later onboardings: the first run schedules it (public for the governor's delay), a run after the delay executes it",
  ).addParam("hours", "The new delay, in hours"),
).setAction(
  action(async (args: Args, hre) => {
    const miip = await connect(hre, args.from);
    const seconds = Number(integer(args.hours, "hours")) * 3600;
    await governed(hre, miip, miip.governance.setOnboardingDelay(seconds), args);
  }),
);

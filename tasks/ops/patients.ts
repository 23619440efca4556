/** The command line: patients. */

import { task } from "hardhat/config";

import {
  accountOf,
  action,
  address,
  Args,
  connect,
  done,
  FROM,
  InputError,
  integer,
  integers,
  pageArgs,
  PATIENT,
  patientClient,
  patientIdOf,
  when,
} from "../cli";

task("patient:register", "An address becomes a patient (its own signature; --gasless: the relayer pays)")
  .addFlag("gasless", "Sign only: the relayer account submits and pays")
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre, args.from);
      const r = args.gasless
        ? await (await connect(hre, "relayer")).patients.submitRegistration(await miip.patients.signRegistration())
        : await miip.patients.register();
      done(`patient ${r.patientId} registered for ${await miip.address()}`, r);
    }),
  );

task("patient:show", "A patient: its address, pending changes, guardians count, recovery threshold and round")
  .addParam("patient", PATIENT)
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await connect(hre);
      const p = await miip.patients.get(await patientIdOf(hre, args.patient, "patient"));
      console.log(`patient ${p.patientId}: ${p.account}`);
      if (p.incomingAccount !== "0x0000000000000000000000000000000000000000" && p.incomingDueAt === 0) {
        console.log(`  proposed new address ${p.incomingAccount}`);
      }
      console.log(
        `  ${p.guardianCount} guardians (${p.recoverers} may recover), threshold ${p.threshold}, round ${p.round}`,
      );
      if (p.incomingDueAt > 0)
        console.log(`  recovery to ${p.incomingAccount} can be accepted from ${when(p.incomingDueAt)}`);
    }),
  );

task("patient:rotate", "The patient proposes a new address; the new address accepts with --accept")
  .addParam("to", "The new address (or local account name)")
  .addFlag("accept", "Run as the new address: accept the patient's account")
  .addOptionalParam("patient", "The patient (for --accept)")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const to = await accountOf(hre, args.to, "to");
      if (args.accept) {
        const patientId = await patientIdOf(hre, args.patient, "patient");
        const miip = await connect(hre, to);
        const r = args.gasless
          ? await (
              await connect(hre, "relayer")
            ).patients.submitAcceptance(await miip.patients.signAcceptance(patientId))
          : await miip.patients.acceptAccount(patientId);
        done(`patient ${patientId} now acts from ${to}`, r);
        return;
      }
      const miip = await patientClient(hre, args);
      done(`patient ${await miip.patients.myId()} proposed to move to ${to}`, await miip.patients.proposeAccount(to));
    }),
  );

task("patient:guardian", "The patient appoints a guardian (prints the salt to give the guardian privately)")
  .addParam("guardian", "The guardian's address (or local account name)")
  .addOptionalParam("powers", "recover, act, or recover,act", "recover")
  .addOptionalParam("guardianSalt", "The appointment's salt (a random one when absent)")
  .addFlag("remove", "Remove the guardian instead (needs --guardian-salt)")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const { guardianCommitment } = await import("../../packages/sdk/src/core");
      const miip = await patientClient(hre, args);
      const guardian = await accountOf(hre, args.guardian, "guardian");
      if (args.remove) {
        if (!args.guardianSalt) throw new InputError("--remove needs the guardian's --guardian-salt");
        const commitment = guardianCommitment(await miip.patients.myId(), guardian, args.guardianSalt);
        done(`guardian ${commitment} removed`, await miip.patients.removeGuardian(commitment));
        return;
      }
      const powers = (args.powers ?? "recover").split(",").map((p) => p.trim()) as ("recover" | "act")[];
      const r = await miip.patients.appointGuardian(guardian, powers, { salt: args.guardianSalt });
      done(
        `guardian appointed (${powers.join(", ")}): commitment ${r.commitment}; give the guardian its salt ${r.salt}`,
        r,
      );
    }),
  );

task("patient:threshold", "The patient sets how many guardians must approve a recovery (0: off)")
  .addParam("threshold", "How many")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const threshold = Number(integer(args.threshold, "threshold"));
      done(`recovery threshold set to ${threshold}`, await miip.patients.setRecoveryThreshold(threshold));
    }),
  );

task("patient:recover", "A guardian approves a new address for a patient who lost its key")
  .addParam("patient", PATIENT)
  .addParam("to", "The patient's new address (or local account name)")
  .addParam("salt", "The guardian's salt")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "guardian")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      const to = await accountOf(hre, args.to, "to");
      const r = await miip.patients.approveRecovery(to);
      done(
        r.armed ? `recovery to ${to} armed: it can be accepted from ${when(r.dueAt!)}` : `recovery to ${to} approved`,
        r,
      );
    }),
  );

task("patient:cancel-recovery", "The patient's current key ends a recovery round (every approval is void)")
  .addFlag("gasless", "Sign only: the relayer account sends and pays")
  .addOptionalParam("from", FROM, "patientA")
  .setAction(
    action(async (args: Args, hre) => {
      const miip = await patientClient(hre, args);
      done(`recovery round of patient ${await miip.patients.myId()} closed`, await miip.patients.cancelRecovery());
    }),
  );

task("access:log", "An institution logs its read of a record (refused without a live right)")
  .addParam("record", "The record id, or several comma-separated")
  .addOptionalParam("purpose", "treatment, insurance-claim, research, public-health", "treatment")
  .addOptionalParam("from", FROM, "pharmacy")
  .setAction(
    action(async (args: Args, hre) => {
      const ids = integers(args.record, "record");
      const miip = await connect(hre, args.from);
      const r =
        ids.length === 1
          ? await miip.consent.logAccess(ids[0], args.purpose!)
          : await miip.consent.logAccessBatch(ids, args.purpose!);
      done(`read of record ${ids.join(", ")} logged for ${args.purpose}`, r);
    }),
  );

task("access:trail", "A patient's access trail, rebuilt from events nobody can alter")
  .addParam("patient", PATIENT)
  .addOptionalParam("offset", "First entry", "0")
  .addOptionalParam("limit", "Entries per page", "20")
  .setAction(
    action(async (args: Args, hre) => {
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const miip = await connect(hre);
      const page = await miip.history.accessTrail(patientId, pageArgs(args));
      console.log(`patient ${patientId}: ${page.total} reads`);
      const { PURPOSE_NAMES } = await import("../../packages/sdk/src/labels");
      for (const e of page.entries) {
        console.log(
          `  ${when(e.timestamp)}  institution ${e.args.readerId} read #${e.args.recordId} for ${PURPOSE_NAMES[Number(e.args.purpose)]}`,
        );
      }
    }),
  );

task(
  "patient:void-recovery",
  "Anyone ends a recovery round whose armed address was taken since, so that the guardians can approve another",
)
  .addParam("patient", PATIENT)
  .addOptionalParam("from", FROM)
  .setAction(
    action(async (args: Args, hre) => {
      const patientId = await patientIdOf(hre, args.patient, "patient");
      const miip = await connect(hre, args.from);
      done(`patient ${patientId}'s recovery round is void`, await miip.patients.voidRecovery(patientId));
    }),
  );

import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { type Interface, Signature, Wallet, id } from "ethers";

import { PERMIT_TYPES } from "../config/eip712";
import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { KINDS, RECORD_TYPES } from "../config/roles";
import { freshSuite, gasOf, measure, onboardAll, registerBenchPatients, relayed, type GasRow } from "./types";

const IST = (n: number) => 10n ** 18n * BigInt(n);
const DAY = 86_400;

/**
 * Issue 19: the research market (open a request, opt in, deliver, accept and pay, close with a refund) and invoices
 * for care (issue, pay with a permit). Patients act relayed, as the app sends their actions: the gas is the
 * relayer's whole transaction, the gateway's signature check included.
 */
export async function benchMarket(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const suite = await freshSuite(hre);
  const { participants, records, token, distribution, market, payments } = suite;
  const signers = await hre.ethers.getSigners();
  const who = (name: keyof typeof LOCAL_ACCOUNTS) => signers[LOCAL_ACCOUNTS[name]];
  const [registrar, hospital, researcher, agency, relayer, treasury] = [
    who("registrar"),
    who("hospital"),
    who("researcher"),
    who("agency"),
    who("relayer"),
    who("treasury"),
  ];
  await onboardAll(participants, registrar, [
    [hospital, KINDS.hospital, "Seoul General Hospital"],
    [researcher, KINDS.researcher, "KAIST Clinical Research"],
    [agency, KINDS["public-health-agency"], "NHIS Review Board"],
  ]);
  // IST for the researcher and the patients, from the treasury's reserve grant, released a year in.
  const reserve = suite.resolved.genesis.grants.findIndex((g) => g.category === suite.resolved.genesis.reserveCategory);
  await time.increase(365 * DAY);
  await distribution.release(reserve);
  await token.connect(treasury).transfer(researcher.address, IST(10_000));

  const patientIds = await registerBenchPatients(hre, participants, 4);
  const keys = patientIds.map((_, i) => new Wallet(id(`bench patient ${i}`), hre.ethers.provider));
  for (const key of keys) await token.connect(treasury).transfer(key.address, IST(1_000));
  const now = await time.latest();
  // One lab result each (records 1 to 4), and a second visit of patient 0 (record 5).
  await records.connect(hospital).registerBatch(
    [...patientIds, patientIds[0]].map((patientId, i) => ({
      patientId,
      digest: id(`bench lab result ${i}`),
      recordType: RECORD_TYPES["lab-result"],
      issuedAt: now,
      uri: `ipfs://bafkrei${id(`market cid ${i}`).slice(2, 54)}`,
    })),
  );
  const target = await market.getAddress();
  const encode = (fn: string, args: readonly unknown[]) =>
    (market.interface as unknown as Interface).encodeFunctionData(fn, args);
  const asPatient = (i: number, fn: string, args: readonly unknown[]) =>
    relayed(hre, participants, keys[i], relayer, patientIds[i], target, encode(fn, args));

  const rows: GasRow[] = [];
  await token.connect(researcher).approve(target, IST(10_000));
  const request = {
    recordTypes: 1n << BigInt(RECORD_TYPES["lab-result"]),
    from: now - 365 * DAY,
    to: now + DAY,
    termsDigest: id("terms"),
    deidentificationDigest: id("safe harbor"),
    price: IST(10),
    maxContributions: 3,
    deadline: now + 30 * DAY,
    contestWindow: 7 * DAY,
    arbitratorId: 3,
    sources: 1,
  };
  rows.push({
    key: "market.openRequest",
    operation: "a researcher opens a data request, its whole budget escrowed in IST",
    gas: await gasOf(market.connect(researcher).openRequest(request)),
  });
  await asPatient(0, "optIn", [1]);
  rows.push({
    key: "market.optIn.relayed",
    operation: "a patient opts in to a request, relayed (no ETH)",
    gas: await gasOf(asPatient(1, "optIn", [1])),
    target: 80_000,
    note: "issue 19: the patient's consent, scoped to the request, for research, ending with it",
  });
  await asPatient(0, "contribute", [1, id("contribution 0"), "ipfs://bafkreicontribution0", [1]]);
  const delivered = await measure(
    hre,
    asPatient(1, "contribute", [1, id("contribution 1"), "ipfs://bafkreicontribution1", [2]]),
  );
  rows.push({
    key: "market.contribute.relayed",
    operation: "a patient delivers a contribution from one of its records, relayed",
    gas: delivered.gas,
    calls: delivered.calls,
  });
  await market.connect(researcher).accept(1);
  const accepted = await measure(hre, market.connect(researcher).accept(2));
  rows.push({
    key: "market.acceptAndPay",
    operation: "the researcher accepts a contribution: the patient is paid in IST at once",
    gas: accepted.gas,
    calls: accepted.calls,
    target: 120_000,
    note: "issue 19: one status write, the request's counters, one IST transfer to the patient's current address",
  });
  await asPatient(2, "optIn", [1]);
  await asPatient(2, "contribute", [1, id("contribution 2"), "ipfs://bafkreicontribution2", [3]]);
  await time.increase(7 * DAY + 1);
  rows.push({
    key: "market.settle",
    operation: "anyone settles a contribution its researcher let pass: the patient is paid",
    gas: await gasOf(market.connect(relayer).settle(3)),
  });
  // A second request closed with most of it unspent: the refund is the remainder only.
  await market.connect(researcher).openRequest({ ...request, deadline: (await time.latest()) + 30 * DAY });
  await asPatient(3, "optIn", [2]);
  await asPatient(3, "contribute", [2, id("contribution 3"), "ipfs://bafkreicontribution3", [4]]);
  rows.push({
    key: "market.closeWithRefund",
    operation: "the researcher closes a request: the remainder (two places) refunded, one contribution still owed",
    gas: await gasOf(market.connect(researcher).close(2)),
  });

  // Invoices: the hospital bills patient 0's record; the patient pays relayed, its permit in the same action.
  const invoice = async (recordId: number, patient: number) =>
    payments.connect(hospital).issue({
      patientId: patientIds[patient],
      token: await token.getAddress(),
      amount: IST(80),
      dueAt: (await time.latest()) + 30 * DAY,
      billDigest: id(`itemised bill ${recordId}`),
      kind: 0,
      careRef: hre.ethers.toBeHex(recordId, 32),
    });
  rows.push({
    key: "payments.issue",
    operation: "a hospital issues an invoice for a record it wrote",
    gas: await gasOf(invoice(1, 0)),
  });
  await invoice(2, 1);
  const paymentsAddress = await payments.getAddress();
  const permit = async (i: number, value: bigint) => {
    const owner = keys[i].address;
    const chainId = (await hre.ethers.provider.getNetwork()).chainId;
    const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
    const deadline = BigInt((await time.latest()) + 3600);
    const message = { owner, spender: paymentsAddress, value, nonce: await token.nonces(owner), deadline };
    const { v, r, s } = Signature.from(await keys[i].signTypedData(domain, PERMIT_TYPES, message));
    return { deadline, v, r, s };
  };
  const pay = async (invoiceId: number, i: number) =>
    relayed(
      hre,
      participants,
      keys[i],
      relayer,
      patientIds[i],
      paymentsAddress,
      (payments.interface as unknown as Interface).encodeFunctionData("pay", [invoiceId, await permit(i, IST(80))]),
    );
  await pay(1, 0);
  const firstPermit = await gasOf(pay(2, 1));
  // The measured payment: patient 0's second, its permit nonce no longer zero (as for any patient who paid before).
  await invoice(5, 0);
  const paid = await measure(hre, pay(3, 0));
  rows.push({
    key: "payments.pay.permitRelayed",
    operation: "a patient pays an invoice with a permit, relayed (no ETH): permit, deduction check, transfer",
    gas: paid.gas,
    calls: paid.calls,
    target: 110_000,
    note:
      "issue 19: the claim escrow is asked what it already sent the hospital for the treatment (none here); " +
      `a patient's first permit ever writes its nonce from zero: ${firstPermit}`,
  });
  return rows;
}

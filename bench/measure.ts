import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { HISTORY_PREFIX, SIZE_PREFIX } from "../scripts/lib/gas-gate";
import { benchClaims } from "./claims";
import { benchConsent } from "./consent";
import { benchDevices } from "./devices";
import { benchIST } from "./ist";
import { benchMarket } from "./market";
import { benchPatients } from "./patients";
import { benchRegistry } from "./registry";
import { benchSupply } from "./supply";
import { carriedData, type GasRow } from "./types";

/** 2030-01-01T00:00:00Z: later than any wall clock this bench will run under, so the clock can move there. */
const BENCH_EPOCH = 1_893_456_000;

/**
 * The gas of every user operation, measured the same way for `npm run bench` (which writes the snapshot) and
 * `npm run bench:check` (which compares with it): any difference between the two would show as a false change.
 */
export async function measureGas(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  if (hre.network.name !== "hardhat") throw new Error("the bench runs on the in-process hardhat network only");
  // A fixed clock, so that timestamps in calldata (and so the gas of every run) are the same every time.
  await time.increaseTo(BENCH_EPOCH);
  const rows = [
    ...(await benchIST(hre)),
    ...(await benchRegistry(hre)),
    ...(await benchPatients(hre)),
    ...(await benchConsent(hre)),
    ...(await benchClaims(hre)),
    ...(await benchSupply(hre)),
    ...(await benchMarket(hre)),
    ...(await benchDevices(hre)),
  ];
  // gas.json shares one namespace between operations, sizes and history; the gate tells them apart by prefix.
  // A row that is one transaction's gas carries that transaction's data cost; every row's gas is a plain number.
  for (const row of rows) {
    row.data = carriedData(row.gas);
    row.gas = Number(row.gas);
  }
  const clash = rows.find((r) => r.key.startsWith(SIZE_PREFIX) || r.key.startsWith(HISTORY_PREFIX));
  if (clash) throw new Error(`bench key ${clash.key} uses a prefix reserved for sizes or history`);
  return rows;
}

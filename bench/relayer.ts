/**
 * The relayer service's latency (issue 18's budget: a valid request answered in under 200 ms on the local node):
 * the seeded chain in process, a relayer on it, and patient A's signed actions posted one after another; each is
 * timed from the request to the answer (checked, simulated, sent: the transaction's hash). `npm run bench` runs this
 * in a process of its own, with temporary folders for the seed's files.
 *
 *   MIIP_DEPLOYMENTS=$(mktemp -d) MIIP_STORE=$(mktemp -d) npx hardhat run bench/relayer.ts
 */
import hre from "hardhat";
import { ZeroAddress, ZeroHash, keccak256, toUtf8Bytes } from "ethers";

import { LOCAL_ACCOUNTS } from "../config/localAccounts";
import { MIIP } from "../packages/sdk/src";
import { relayRequest } from "../packages/sdk/src/relayer";
import { PATIENT_CALL_TYPES, participantsDomain } from "../packages/sdk/src/eip712";
import { loadDeployment, startRelayer } from "../packages/sdk/src/node";
import { deploymentsDir } from "../scripts/lib/locations";
import { seedNode } from "../scripts/lib/seed";

export interface RelayerBench {
  requests: number;
  medianMs: number;
  maxMs: number;
}

async function main(): Promise<void> {
  const log = console.log;
  console.log = () => undefined; // the seed's summary
  try {
    await seedNode(hre, "in-process");
  } finally {
    console.log = log;
    await hre.network.provider.send("hardhat_setLoggingEnabled", [false]);
  }
  const signers = await hre.ethers.getSigners();
  const deployment = loadDeployment("localhost", deploymentsDir());
  const patient = signers[LOCAL_ACCOUNTS.patientA];
  const relayer = await startRelayer({ signer: signers[LOCAL_ACCOUNTS.relayer], deployment, perPatient: 1000 });
  const miip = await MIIP.connect(patient, deployment);
  const { patientId } = await miip.patients.idOf(patient.address);
  const domain = participantsDomain(BigInt(deployment.chainId), deployment.ParticipantRegistry);
  const times: number[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      // One guardian whose powers change each time (a patient has few guardians; changing one is an action).
      const commitment = keccak256(toUtf8Bytes("bench guardian"));
      const data = miip.contracts.participants.interface.encodeFunctionData("setGuardian", [
        commitment,
        1 + (i % 2) * 2,
      ]);
      const nonce = (await miip.contracts.participants.patient(patientId)).nonce;
      const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
      const call = {
        patientId,
        guardian: ZeroAddress,
        salt: ZeroHash,
        target: deployment.ParticipantRegistry,
        data,
        nonce,
        deadline: now + 600n,
      };
      const signature = await patient.signTypedData(domain, PATIENT_CALL_TYPES, call);
      const started = performance.now();
      const response = await fetch(`${relayer.url}/relay`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(relayRequest(call, signature)),
      });
      const answer = (await response.json()) as { hash?: string; message?: string };
      times.push(performance.now() - started);
      if (!answer.hash) throw new Error(`the relayer refused a valid request: ${answer.message}`);
      await (await hre.ethers.provider.getTransaction(answer.hash))!.wait();
    }
  } finally {
    await relayer.close();
  }
  times.sort((a, b) => a - b);
  const result: RelayerBench = {
    requests: times.length,
    medianMs: Math.round(times[Math.floor(times.length / 2)]),
    maxMs: Math.round(times[times.length - 1]),
  };
  console.log(JSON.stringify(result));
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  });
}

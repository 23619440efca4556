/**
 * Who is using the app: the configuration, a read-only client of the deployment, and once a wallet is connected,
 * the account's role as the chain says it (an institution of some kind, a patient, or neither) with a client that
 * writes as it: a patient's actions signed here and sent by the relayer, an institution's sent by its wallet.
 */
import { deployments } from "@miip/contracts";
import { type Deployment, MIIP, asMIIPError, parseDeployment } from "@miip/sdk";
import { HttpRelayer } from "@miip/sdk/relayer";
import { LazyDocumentService } from "./documents.ts";
import type { Signer } from "ethers";

import type { AppConfig, LocalAccount } from "./config.ts";
import { setRevertDecoder } from "./errors.ts";
import { connectInjected, connectLocal, readProvider } from "./wallet.ts";

export type Role =
  | { kind: "patient"; patientId: bigint }
  | { kind: "institution"; id: number; type: string; status: string; name: string }
  | { kind: "none" };

export interface Identity {
  signer: Signer;
  address: string;
  role: Role;
  /** Writes as the account (gasless for a patient). */
  miip: MIIP;
  /** The document service, with this account's session once opened. */
  service: LazyDocumentService;
}

/** The SDK side of the app, loaded with the first page that needs the chain. */
export interface Runtime {
  deployment: Deployment;
  /** Reads only: the public pack check, histories, names of institutions. */
  reader: MIIP;
  /** Connects a wallet: the injected one, or a local demo account; answers the identity the chain gives it. */
  connect(choice: { kind: "injected" } | { kind: "local"; account: LocalAccount }): Promise<Identity>;
}

/** Loads the SDK side: the deployment (config.json's, or the one `@miip/contracts` ships for the chain), a reader. */
export async function startRuntime(config: AppConfig): Promise<Runtime> {
  setRevertDecoder(asMIIPError);
  const shipped = (deployments as Record<string, unknown>)[String(config.chainId)];
  const deployment = parseDeployment(config.deployment ?? shipped, "config.json");
  const reader = await readerOf(config, deployment);
  return {
    deployment,
    reader,
    connect: async (choice) => {
      const signer = choice.kind === "injected" ? await connectInjected(config) : connectLocal(config, choice.account);
      return identify(config, deployment, signer);
    },
  };
}

/** The identity the chain gives `signer`. */
export async function identify(config: AppConfig, deployment: Deployment, signer: Signer): Promise<Identity> {
  const service = new LazyDocumentService(config.documentsUrl);
  const stores = { store: service.blobs, shares: service.shares };
  const base = await MIIP.connect(signer, deployment, stores);
  const address = await signer.getAddress();
  const member = await base.participants.memberOf(address);
  if (member) {
    const { name } = await base.participants.get(member.id);
    return {
      signer,
      address,
      service,
      miip: base,
      role: { kind: "institution", id: member.id, type: member.kind, status: member.status, name },
    };
  }
  const { patientId, current } = await base.patients.idOf(address);
  if (patientId !== 0n && current) {
    const miip = base.gasless(new HttpRelayer({ url: config.relayerUrl }));
    return { signer, address, service, miip, role: { kind: "patient", patientId } };
  }
  return { signer, address, service, miip: base, role: { kind: "none" } };
}

async function readerOf(config: AppConfig, deployment: Deployment): Promise<MIIP> {
  const service = new LazyDocumentService(config.documentsUrl);
  return MIIP.connect(readProvider(config), deployment, { store: service.blobs, shares: service.shares });
}

/** Opens the account's document-service session if none is open: derives its encryption key (one signature) first. */
export async function ensureSession(identity: Identity): Promise<void> {
  if (identity.service.session) return;
  const { publicKey } = await identity.miip.documents.encryptionKey();
  await identity.service.openSession(identity.signer, publicKey);
}

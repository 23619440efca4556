import type { ContractRunner, ContractTransactionResponse, Signer } from "ethers";

import { ClaimsApi } from "./api/claims.ts";
import { ConsentApi } from "./api/consent.ts";
import { DevicesApi } from "./api/devices.ts";
import { DocumentsApi } from "./api/documents.ts";
import { InvoicesApi } from "./api/invoices.ts";
import { MarketApi } from "./api/market.ts";
import { GovernanceApi } from "./api/governance.ts";
import { HistoryApi } from "./api/history.ts";
import { ParticipantsApi } from "./api/participants.ts";
import { RecordsApi } from "./api/records.ts";
import { ProductsApi } from "./api/products.ts";
import { SupplyApi } from "./api/supply.ts";
import { TokenApi } from "./api/token.ts";
import {
  Core,
  type RelayerService,
  MIIPClientError,
  type PatientMode,
  type SuiteContracts,
  type TxInfo,
} from "./core.ts";
import { PatientsApi } from "./api/patients.ts";
import { type Deployment, parseDeployment } from "./deployment.ts";
import type { BlobStore } from "./storage/blobs.ts";
import type { KeyShareStore } from "./shares.ts";

/** How a client is connected. */
export interface ConnectOptions {
  /** Where encrypted documents live (a local content-addressed store, or an IPFS node). */
  store?: BlobStore;
  /** Where wrapped document keys are published. */
  shares?: KeyShareStore;
  /** The widest block range one `eth_getLogs` may ask for; public RPC providers cap it. Default 50,000. */
  maxBlockRange?: number;
}

/**
 * The MIIP client: one object per signer (or provider, for reading), with the suite's operations grouped by
 * what they are about. Every write waits for its transaction and returns what it produced (ids, statuses)
 * with its gas and decoded events; every refusal is a `MIIPError` naming the contract's custom error.
 *
 *   const miip = await MIIP.connect(signer, deployment, { store, shares });
 *   const { recordId } = await miip.records.register({ patient, digest, recordType: "lab-result", uri });
 */
export class MIIP {
  readonly contracts: SuiteContracts;
  readonly participants: ParticipantsApi;
  readonly patients: PatientsApi;
  readonly records: RecordsApi;
  readonly consent: ConsentApi;
  readonly claims: ClaimsApi;
  readonly products: ProductsApi;
  readonly supply: SupplyApi;
  readonly token: TokenApi;
  readonly history: HistoryApi;
  readonly documents: DocumentsApi;
  readonly governance: GovernanceApi;
  readonly market: MarketApi;
  readonly invoices: InvoicesApi;
  readonly devices: DevicesApi;

  private constructor(
    private readonly core: Core,
    private readonly options: ConnectOptions,
  ) {
    this.contracts = core.contracts;
    this.participants = new ParticipantsApi(core);
    this.patients = new PatientsApi(core);
    this.records = new RecordsApi(core);
    this.consent = new ConsentApi(core);
    this.history = new HistoryApi(core, options.maxBlockRange ?? 50_000);
    this.claims = new ClaimsApi(core, this.history);
    this.products = new ProductsApi(core);
    this.supply = new SupplyApi(core);
    this.token = new TokenApi(core);
    this.governance = new GovernanceApi(core);
    this.documents = new DocumentsApi(core, this.records, this.history, options);
    this.market = new MarketApi(core, this.documents, this.history, options);
    this.devices = new DevicesApi(core, this.documents, this.history, options);
    this.invoices = new InvoicesApi(core, this.history);
  }

  /**
   * Connects to a deployment (the parsed `addresses.json`) with a signer, or a provider for reading only.
   * Refuses a provider on another chain than the deployment's.
   */
  static async connect(runner: ContractRunner, deployment: unknown, options: ConnectOptions = {}): Promise<MIIP> {
    const parsed = parseDeployment(deployment);
    const provider = runner.provider;
    if (!provider) throw new MIIPClientError("connect needs a signer with a provider, or a provider");
    const { chainId } = await provider.getNetwork();
    if (chainId !== BigInt(parsed.chainId)) {
      throw new MIIPClientError(`the deployment is on chain ${parsed.chainId}, the provider on chain ${chainId}`);
    }
    return new MIIP(new Core(runner, parsed, chainId), options);
  }

  /** The same deployment and stores, for another signer: `miip.as(patient).consent.revoke(id)`. */
  as(runner: ContractRunner): MIIP {
    return new MIIP(new Core(runner, this.core.deployment, this.core.chainId), this.options);
  }

  /**
   * The same signer, whose patient actions are signed here and sent (and paid for) by `relayer`, a signer or a
   * relayer service (`HttpRelayer`, from `@miip/sdk/relayer`): the patient needs no ETH. `miip.as(patient).gasless(relayer).consent.revoke(id)`.
   */
  gasless(relayer: Signer | RelayerService): MIIP {
    return this.withMode({ ...this.core.patientMode, relayer });
  }

  /**
   * The same signer acting as a guardian of `patientId`, proving its appointment with its salt:
   * `miip.as(guardian).forPatient(7n, salt).consent.closeEmergency(hospital, { block: true })`.
   */
  forPatient(patientId: bigint | number, salt: string): MIIP {
    return this.withMode({ ...this.core.patientMode, patientId: BigInt(patientId), salt });
  }

  private withMode(mode: PatientMode): MIIP {
    return new MIIP(new Core(this.core.runner, this.core.deployment, this.core.chainId, mode), this.options);
  }

  /** The deployment this client talks to. */
  get deployment(): Deployment {
    return this.core.deployment;
  }

  /** The chain's id. */
  get chainId(): bigint {
    return this.core.chainId;
  }

  /** The signer's address; a MIIPClientError for a read-only client. */
  async address(): Promise<string> {
    return this.core.address();
  }

  /**
   * Sends any write through the client's decoding: for calls the SDK has no helper for (governance's
   * `schedule`/`execute` on the access manager), `miip.send(() => miip.contracts.manager.execute(...))`.
   */
  async send(call: () => Promise<ContractTransactionResponse>): Promise<TxInfo> {
    return this.core.send(call);
  }

  /** The latest block's timestamp. */
  async now(): Promise<number> {
    return this.core.now();
  }
}

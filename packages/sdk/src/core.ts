import {
  AbiCoder,
  Contract,
  type ContractRunner,
  type ContractTransactionResponse,
  Interface,
  type Log,
  type Provider,
  type Signer,
  ZeroAddress,
  ZeroHash,
  isHexString,
  keccak256,
} from "ethers";

import { PATIENT_CALL_TYPES, type PatientCall, participantsDomain } from "./eip712.ts";

import { abis } from "./abis.ts";
import { ERRORS } from "./contracts/abis.ts";
import type {
  IAccessManager,
  ICarePayments,
  IDeviceRegistry,
  IClaimEscrow,
  IConsentManager,
  IISTDistribution,
  IParticipantRegistry,
  IProductRegistry,
  IRecordRegistry,
  IResearchMarket,
  ISupplyChain,
  INSSETToken,
  PackVerifier,
} from "./contracts/index.ts";
import { type ContractName, type Deployment } from "./deployment.ts";
import { MIIPError, asMIIPError, decodeRevertData, decoded } from "./errors.ts";

/** The suite's contracts, typed by TypeChain, connected to the client's signer or provider. */
export interface SuiteContracts {
  manager: IAccessManager;
  distribution: IISTDistribution;
  token: INSSETToken;
  participants: IParticipantRegistry;
  records: IRecordRegistry;
  consent: IConsentManager;
  claims: IClaimEscrow;
  products: IProductRegistry;
  supply: ISupplyChain;
  verifier: PackVerifier;
  market: IResearchMarket;
  payments: ICarePayments;
  devices: IDeviceRegistry;
}

/** One event of the suite, decoded: which contract, which event, its arguments by name. */
export interface SuiteEvent {
  contract: ContractName;
  name: string;
  args: Record<string, unknown>;
  logIndex: number;
}

/** What every write returns besides its own result: the transaction, its gas and its decoded events. */
export interface TxInfo {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  events: SuiteEvent[];
}

/** Misuse of the client itself (no signer for a write, a wrong chain); never a contract's refusal. */
export class MIIPClientError extends Error {
  override readonly name = "MIIPClientError";
}

/**
 * Each contract's interface knows every error of the suite, not only its own: ethers names a revert (`error.revert`)
 * from the called contract's interface, and a refusal may come from a contract the called one asked.
 */
const ERROR_FRAGMENTS = ERRORS.map(([fragment]) => fragment);
const INTERFACES = Object.fromEntries(
  Object.entries(abis).map(([name, abi]) => [name, new Interface([...(abi as readonly string[]), ...ERROR_FRAGMENTS])]),
) as Record<ContractName, Interface>;

/** A deployed contract of the suite at an address, typed by TypeChain (types only; the ABI is the package's). */
function connect<T>(name: ContractName, address: string, runner: ContractRunner): T {
  return new Contract(address, INTERFACES[name], runner) as unknown as T;
}

/**
 * How this client's patient actions leave it: every patient action goes through the participant directory's
 * gateway, sent by the signer itself (`execute`) or, with a `relayer`, signed by the signer and sent (and paid
 * for) by the relayer (`relay`). A guardian acting for a patient names the patient and its own salt.
 */
export interface PatientMode {
  /** The patient acted for; by default the patient whose current address is the signer. */
  patientId?: bigint;
  /** The guardian's salt when the signer acts as a guardian; zero (the default) for the patient's own key. */
  salt?: string;
  /**
   * Who sends (and pays for) the signer's patient actions: a signer holding ETH, or a relayer service over HTTP
   * (`HttpRelayer`); absent, the signer sends them itself.
   */
  relayer?: Signer | RelayerService;
}

/** A relayer service: sends a signed patient call and answers its transaction's hash (`HttpRelayer`, `@miip/sdk/relayer`). */
export interface RelayerService {
  relay(call: PatientCall, signature: string): Promise<{ hash: string }>;
}

/** The commitment that stands for a guardian on chain: keccak256(abi.encode(patientId, guardian, salt)). */
export function guardianCommitment(patientId: bigint, guardian: string, salt: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "address", "bytes32"], [patientId, guardian, salt]));
}

/** Shared by the client's parts: the connection, the contracts, sending and decoding. */
export class Core {
  readonly contracts: SuiteContracts;
  private readonly byAddress: Map<string, ContractName>;

  constructor(
    readonly runner: ContractRunner,
    readonly deployment: Deployment,
    readonly chainId: bigint,
    readonly patientMode: PatientMode = {},
  ) {
    const d = deployment;
    this.contracts = {
      manager: connect<IAccessManager>("MIIPAccessManager", d.MIIPAccessManager, runner),
      distribution: connect<IISTDistribution>("ISTDistribution", d.ISTDistribution, runner),
      token: connect<INSSETToken>("INSSETToken", d.INSSETToken, runner),
      participants: connect<IParticipantRegistry>("ParticipantRegistry", d.ParticipantRegistry, runner),
      records: connect<IRecordRegistry>("RecordRegistry", d.RecordRegistry, runner),
      consent: connect<IConsentManager>("ConsentManager", d.ConsentManager, runner),
      claims: connect<IClaimEscrow>("ClaimEscrow", d.ClaimEscrow, runner),
      products: connect<IProductRegistry>("ProductRegistry", d.ProductRegistry, runner),
      supply: connect<ISupplyChain>("SupplyChain", d.SupplyChain, runner),
      verifier: connect<PackVerifier>("PackVerifier", d.PackVerifier, runner),
      market: connect<IResearchMarket>("ResearchMarket", d.ResearchMarket, runner),
      payments: connect<ICarePayments>("CarePayments", d.CarePayments, runner),
      devices: connect<IDeviceRegistry>("DeviceRegistry", d.DeviceRegistry, runner),
    };
    this.byAddress = new Map((Object.keys(INTERFACES) as ContractName[]).map((name) => [d[name].toLowerCase(), name]));
  }

  get provider(): Provider {
    const provider = this.runner.provider;
    if (!provider) throw new MIIPClientError("the client's runner has no provider");
    return provider;
  }

  /** The signer writes go out with; a client connected with a provider only reads. */
  get signer(): Signer {
    const runner = this.runner as Partial<Signer>;
    if (typeof runner.sendTransaction !== "function" || typeof runner.getAddress !== "function") {
      throw new MIIPClientError("this client was connected with a provider: writes and signatures need a signer");
    }
    return this.runner as Signer;
  }

  async address(): Promise<string> {
    return this.signer.getAddress();
  }

  /** Decodes a log of the suite's contracts; undefined for anything else (another token's Transfer). */
  decodeLog(log: Log): SuiteEvent | undefined {
    const contract = this.byAddress.get(log.address.toLowerCase());
    if (!contract) return undefined;
    const parsed = INTERFACES[contract].parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return undefined;
    return { contract, name: parsed.name, args: parsed.args.toObject(true), logIndex: log.index };
  }

  /**
   * Sends a write, waits for it to be mined and decodes its events; a revert (at estimation or on chain)
   * comes back as a MIIPError.
   */
  async send(call: () => Promise<ContractTransactionResponse>): Promise<TxInfo> {
    void this.signer; // a read-only client says so before ethers does, in its own words
    return decoded(async () => {
      const response = await call();
      let receipt: Awaited<ReturnType<ContractTransactionResponse["wait"]>>;
      try {
        receipt = await response.wait();
      } catch (error) {
        throw (await this.replayed(response, error)) ?? error;
      }
      if (!receipt) throw new MIIPClientError(`transaction ${response.hash} was dropped`);
      const events: SuiteEvent[] = [];
      for (const log of receipt.logs) {
        const event = this.decodeLog(log);
        if (event) events.push(event);
      }
      return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, events };
    });
  }

  /**
   * Why a mined transaction reverted: a receipt carries no reason. The node's trace of the transaction gives its
   * exact revert data (`debug_traceTransaction`, with the call tracer on geth, anvil, reth and erigon, the default
   * tracer on Hardhat); a node without traces (most public RPCs) gets a replay of the transaction as a call on the
   * state before its block. A transaction earlier in the same block may have changed that state: the error then
   * says its reason is a replay's and may differ. A replay that does not revert, or a node that can do neither,
   * leaves the error as it was. The receipt decides the outcome in every case; this only names it.
   */
  private async replayed(response: ContractTransactionResponse, error: unknown): Promise<unknown> {
    const receipt = (error as { receipt?: { blockNumber?: number; status?: number; index?: number } }).receipt;
    if (asMIIPError(error) || receipt?.status !== 0 || receipt.blockNumber === undefined) return undefined;
    const mined = { hash: response.hash, blockNumber: receipt.blockNumber };
    const traced = await this.tracedRevert(response.hash);
    if (traced !== undefined) return traced.withMined({ ...mined, exact: true }, `transaction ${response.hash}`);
    try {
      await this.provider.call({
        from: response.from,
        to: response.to,
        data: response.data,
        value: response.value,
        blockTag: receipt.blockNumber - 1,
      });
    } catch (replay) {
      const named = asMIIPError(replay);
      if (named === undefined) return undefined;
      const before = receipt.index ?? 0;
      const note =
        before === 0
          ? `transaction ${response.hash}; named by replaying it on the state before block ${receipt.blockNumber}`
          : `transaction ${response.hash}; named by replaying it on the state before block ${receipt.blockNumber}, which ${before} earlier transaction(s) of that block may have changed: the reason may differ`;
      return named.withMined({ ...mined, exact: before === 0 }, note);
    }
    return undefined;
  }

  /** The revert a node's trace of a mined transaction shows, when the node traces; undefined otherwise. */
  private async tracedRevert(hash: string): Promise<MIIPError | undefined> {
    const send = (this.provider as { send?: (method: string, params: unknown[]) => Promise<unknown> }).send;
    if (typeof send !== "function") return undefined;
    const trace = (options: object) =>
      send.call(this.provider, "debug_traceTransaction", [hash, options]).then(
        (result) => result as { output?: string; returnValue?: string; failed?: boolean } | null,
        () => undefined,
      );
    const call = await trace({ tracer: "callTracer", tracerConfig: { onlyTopCall: true } });
    const data =
      call?.output ??
      (await trace({ disableStack: true, disableMemory: true, disableStorage: true, enableReturnData: true }).then(
        (t) => (t?.failed && typeof t.returnValue === "string" ? t.returnValue : undefined),
      ));
    if (typeof data !== "string" || data === "") return undefined;
    return decodeRevertData(data.startsWith("0x") ? data : `0x${data}`);
  }

  /** Reads through the decoder too, so a view's refusal (an unknown record) reads as well as a write's. */
  async read<T>(call: () => Promise<T>): Promise<T> {
    return decoded(call);
  }

  /** The patient this client acts for: the mode's, or the one whose current address is the signer. */
  async patientId(): Promise<bigint> {
    if (this.patientMode.patientId !== undefined) return this.patientMode.patientId;
    const account = await this.address();
    const [patientId, current] = await this.contracts.participants.patientOf(account);
    if (!current) {
      throw new MIIPClientError(
        patientId === 0n
          ? `${account} is no patient's address: register first (patients.register)`
          : `${account} is a former address of patient ${patientId}: it can no longer act`,
      );
    }
    return patientId;
  }

  /**
   * Sends a patient action on one of the suite's contracts through the directory's gateway: by the signer, or
   * signed by the signer and relayed (see {PatientMode}). The action's own events come back decoded.
   */
  async sendPatient(target: ContractName, data: string): Promise<TxInfo> {
    const patientId = await this.patientId();
    const salt = this.patientMode.salt ?? ZeroHash;
    const to = this.deployment[target];
    const participants = this.contracts.participants;
    const relayer = this.patientMode.relayer;
    if (!relayer) return this.send(() => participants.execute(patientId, salt, to, data));
    const signer = this.signer;
    const guardian = salt === ZeroHash ? ZeroAddress : await signer.getAddress();
    const nonce =
      guardian === ZeroAddress
        ? (await participants.patient(patientId)).nonce
        : (await participants.guardian(patientId, guardianCommitment(patientId, guardian, salt))).nonce;
    const deadline = BigInt((await this.now()) + 3_600);
    const call = { patientId, guardian, salt, target: to, data, nonce, deadline };
    const signature = await signer.signTypedData(
      participantsDomain(this.chainId, this.deployment.ParticipantRegistry),
      PATIENT_CALL_TYPES,
      call,
    );
    // A signer has no `relay`: what has one is a relayer service.
    if (typeof (relayer as Partial<RelayerService>).relay === "function") {
      const service = relayer as RelayerService;
      // The service sends it and answers its hash; this client follows it as it follows its own transactions.
      return this.send(async () => {
        const { hash } = await service.relay(call, signature);
        const sent = isHexString(hash, 32) ? await this.provider.getTransaction(hash) : null;
        // Followed only if it is the call signed here: another transaction's events would be reported as this one's.
        if (
          sent?.to?.toLowerCase() !== this.deployment.ParticipantRegistry.toLowerCase() ||
          sent.data !== participants.interface.encodeFunctionData("relay", [call, signature])
        ) {
          throw new MIIPClientError(`the relayer answered ${hash}: not the call signed here`);
        }
        return sent as ContractTransactionResponse;
      });
    }
    const viaRelayer = connect<IParticipantRegistry>(
      "ParticipantRegistry",
      this.deployment.ParticipantRegistry,
      relayer as Signer,
    );
    return this.send(() => viaRelayer.relay(call, signature));
  }

  /**
   * The latest block's timestamp: the chain's "now", which a local chain may have moved past the wall clock. Asked
   * of the node itself when the provider speaks JSON-RPC: ethers answers a request repeated within a moment from its
   * cache, so "latest" asked just before and just after a transaction would give the same, stale block.
   */
  async now(): Promise<number> {
    const rpc = this.provider as Partial<{ send(method: string, params: unknown[]): Promise<unknown> }>;
    if (typeof rpc.send === "function") {
      const latest = (await rpc.send("eth_getBlockByNumber", ["latest", false])) as { timestamp?: string } | null;
      if (latest?.timestamp) return Number(latest.timestamp);
    }
    const block = await this.provider.getBlock("latest");
    if (!block) throw new MIIPClientError("the provider returned no latest block");
    return block.timestamp;
  }
}

/** The events of one name in a transaction's result. */
export function eventsNamed(info: TxInfo, name: string): Record<string, unknown>[] {
  return info.events.filter((e) => e.name === name).map((e) => e.args);
}

/** The first event of one name; a client bug (not a user error) if the contract did not emit it. */
export function eventNamed(info: TxInfo, name: string): Record<string, unknown> {
  const found = info.events.find((e) => e.name === name);
  if (!found) throw new MIIPClientError(`transaction ${info.hash} emitted no ${name}`);
  return found.args;
}

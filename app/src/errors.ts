/**
 * Every failure shown as a sentence in the page's language: a wrong network, a refused signature, a contract's
 * refusal (its decoded error, in words), a document that fails its digest, a pack code that does not parse, a relayer
 * or a service that refuses or is down. Never a stack trace.
 */
import type { Translate } from "./i18n.tsx";

// The SDK's error classes are told apart by name and shape, not by `instanceof`: this module is in the first load,
// the SDK is not (it comes with the first page that needs the chain).

/** The wallet is on another chain than the deployment's. */
export class WrongNetworkError extends Error {
  override readonly name = "WrongNetworkError";
  constructor(
    readonly actual: bigint,
    readonly expected: number,
  ) {
    super(`the wallet is on chain ${actual}, the deployment on ${expected}`);
  }
}

/** A pack code that does not parse (the SDK's parser throws plain Errors). */
export class PackCodeError extends Error {
  override readonly name = "PackCodeError";
}

function rejected(error: unknown): boolean {
  const e = error as { code?: unknown; info?: { error?: { code?: unknown } }; error?: { code?: unknown } };
  return e?.code === "ACTION_REJECTED" || e?.code === 4001 || e?.info?.error?.code === 4001 || e?.error?.code === 4001;
}

/** The SDK's decoder of raw reverts, registered when the SDK loads (see session.tsx). */
let decodeRevert: ((error: unknown) => Error | undefined) | undefined;
export function setRevertDecoder(decoder: (error: unknown) => Error | undefined): void {
  decodeRevert = decoder;
}

/** What to tell the person, in words. */
export function describe(error: unknown, t: Translate): string {
  if (error instanceof WrongNetworkError) {
    return t("errWrongNetwork", { actual: error.actual, expected: error.expected });
  }
  if (rejected(error)) return t("errRejected");
  const named = error as { name?: unknown; message?: unknown; status?: unknown; reason?: unknown; error?: unknown };
  const name = typeof named?.name === "string" ? named.name : "";
  if (name === "DocumentIntegrityError") return t("errDigest");
  if (error instanceof PackCodeError) return t("errPackCode", { detail: error.message });
  if (name === "RelayerError") {
    const relayer = error as { status: number; reason: string; message: string; error?: string };
    if (relayer.reason === "would-revert" && relayer.error) {
      return t("errRelayerRefused", { detail: relayer.message.replace(/^it would revert: /, "") });
    }
    return relayer.status === 0 || relayer.reason === "unavailable"
      ? t("errRelayerDown")
      : t("errRelayerRefused", { detail: relayer.message });
  }
  // A contract's refusal, decoded by the SDK (MIIPError: its name is the Solidity error's, its message in words).
  if (error instanceof Error && "source" in error && "data" in error && "args" in error) {
    return t("errContract", { words: `${error.message} (${error.name})` });
  }
  const decoded = decodeRevert?.(error);
  if (decoded) return t("errContract", { words: `${decoded.message} (${decoded.name})` });
  if (name === "IpfsError") {
    const ipfs = error as { status: number; nodeMessage: string };
    return ipfs.status === 0 ? t("errServiceDown") : t("errUnknown", { detail: ipfs.nodeMessage });
  }
  if (name === "SessionError") return t("errUnknown", { detail: String(named.message) });
  const e = error as { code?: unknown; shortMessage?: unknown; message?: unknown };
  if (
    e?.code === "NETWORK_ERROR" ||
    e?.code === "SERVER_ERROR" ||
    /fetch failed|Failed to fetch/.test(String(e?.message))
  ) {
    return t("errNodeDown");
  }
  const text =
    typeof e?.shortMessage === "string" ? e.shortMessage : typeof e?.message === "string" ? e.message : String(error);
  return t("errUnknown", { detail: text.split("\n")[0].slice(0, 300) });
}

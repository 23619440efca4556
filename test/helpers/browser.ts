/**
 * A real browser for the web app's tests: Debian's Chromium driven by playwright-core, with an injected EIP-1193
 * wallet holding a local key, so that the page signs and sends exactly as it would with MetaMask (personal_sign,
 * eth_signTypedData_v4, eth_sendTransaction, wallet_switchEthereumChain). The key stays in the test process: the
 * page reaches it through an exposed function, as it reaches an extension.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { JsonRpcProvider, Wallet, getBytes } from "ethers";

export const CHROMIUM = "/usr/bin/chromium";

/** Chromium's flags on this machine: headless, no sandbox (root), no network of its own. */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  // Playwright gives each launch a fresh, empty profile of its own (the --user-data-dir the machine asks for).
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  return { browser, close: () => browser.close() };
}

/** How the injected wallet behaves: the chain it claims, whether it refuses to switch, the next signature refused. */
export interface WalletControl {
  address: string;
  /** The chain id the wallet reports (the node's by default). */
  chainId?: number;
  /** Refuse `wallet_switchEthereumChain` (a wallet without the network). */
  refuseSwitch?: boolean;
  /** Refuse the next signature request, as a person pressing "Reject" would (error 4001). */
  rejectNext?: boolean;
  /** Every method the page asked, in order. */
  calls: string[];
}

/** A page in a fresh context whose `window.ethereum` is a wallet holding `privateKey`, on the node at `rpcUrl`. */
export async function walletPage(
  browser: Browser,
  rpcUrl: string,
  privateKey: string,
  viewport = { width: 390, height: 844 },
): Promise<{ page: Page; context: BrowserContext; wallet: WalletControl; errors: string[] }> {
  // No response cache: a wallet counts its nonce afresh for each transaction (two sent within ethers' default 250 ms
  // cache would get the same one), as MetaMask does.
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const signer = new Wallet(privateKey, provider);
  const chainId = Number((await provider.getNetwork()).chainId);
  const wallet: WalletControl = { address: signer.address, calls: [] };
  const context = await browser.newContext({ viewport, locale: "ko-KR" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const refuse = (code: number, message: string) => ({ error: { code, message } });
  await page.exposeFunction("__miipWallet", async (method: string, paramsJson: string) => {
    wallet.calls.push(method);
    const params = JSON.parse(paramsJson) as unknown[];
    const signing = ["personal_sign", "eth_signTypedData_v4", "eth_sendTransaction"].includes(method);
    if (signing && wallet.rejectNext) {
      wallet.rejectNext = false;
      return refuse(4001, "User rejected the request.");
    }
    try {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return { result: [signer.address] };
        case "eth_chainId":
          return { result: `0x${(wallet.chainId ?? chainId).toString(16)}` };
        case "net_version":
          return { result: String(wallet.chainId ?? chainId) };
        case "wallet_switchEthereumChain": {
          if (wallet.refuseSwitch) return refuse(4902, "Unrecognized chain ID.");
          wallet.chainId = Number(BigInt((params[0] as { chainId: string }).chainId));
          return { result: null };
        }
        case "personal_sign":
          return { result: await signer.signMessage(getBytes(params[0] as string)) };
        case "eth_signTypedData_v4": {
          const typed = JSON.parse(params[1] as string) as {
            domain: Record<string, unknown>;
            types: Record<string, { name: string; type: string }[]>;
            message: Record<string, unknown>;
          };
          delete typed.types.EIP712Domain;
          return { result: await signer.signTypedData(typed.domain, typed.types, typed.message) };
        }
        case "eth_sendTransaction": {
          const tx = params[0] as { to?: string; data?: string; value?: string; gas?: string };
          const sent = await signer.sendTransaction({
            to: tx.to,
            data: tx.data,
            value: tx.value ? BigInt(tx.value) : undefined,
            gasLimit: tx.gas ? BigInt(tx.gas) : undefined,
          });
          return { result: sent.hash };
        }
        default:
          return { result: await provider.send(method, params) };
      }
    } catch (error) {
      const e = error as { error?: { code?: number; message?: string; data?: unknown }; info?: { error?: unknown } };
      const inner = (e.info?.error ?? e.error) as { code?: number; message?: string; data?: unknown } | undefined;
      return {
        error: { code: inner?.code ?? -32603, message: inner?.message ?? (error as Error).message, data: inner?.data },
      };
    }
  });
  await page.addInitScript(() => {
    const call = (
      globalThis as unknown as {
        __miipWallet(
          m: string,
          p: string,
        ): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }>;
      }
    ).__miipWallet;
    (globalThis as unknown as { ethereum: unknown }).ethereum = {
      isMetaMask: false,
      request: async ({ method, params }: { method: string; params?: unknown[] }) => {
        const answer = await call(method, JSON.stringify(params ?? []));
        if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
        return answer.result;
      },
      on: () => undefined,
      removeListener: () => undefined,
    };
  });
  return { page, context, wallet, errors };
}

/** The axe-core accessibility check of the page as it stands: its serious and critical violations. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  // Evaluated through the DevTools protocol: the app's Content-Security-Policy (no inline scripts) stays on.
  await page.evaluate(source);
  const results = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    return axe.run();
  });
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

/** The JavaScript a page load fetched, gzipped as a server would send it, in bytes. */
export function gzippedScripts(urls: string[], dist: string): number {
  let total = 0;
  for (const url of new Set(urls)) {
    const file = path.join(dist, new URL(url).pathname);
    total += gzipSync(readFileSync(file), { level: 9 }).length;
  }
  return total;
}

import { Contract, Signature, ZeroHash } from "ethers";

import { ierc20Abi, ierc20PermitAbi, ierc5267Abi } from "@miip/contracts";
import type { IERC20, IERC20Permit, IERC5267 } from "../contracts/index.ts";
import type { Core } from "../core.ts";
import { PERMIT_TYPES } from "../eip712.ts";

/** An EIP-2612 permit as the suite's contracts take it; a zero `deadline` means none. */
export interface TokenPermit {
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** No permit: the contract uses the allowance the patient already gave. */
export const NO_PERMIT: TokenPermit = { deadline: 0n, v: 0, r: ZeroHash, s: ZeroHash };

/**
 * The permit a patient action carries so that `spender` may take `value` of `token` from the patient in the same
 * action, when one is needed and the signer can give it: the signer is the patient's own current key (a guardian
 * cannot sign for the patient's tokens), its allowance to `spender` is short, and the token has EIP-2612 permits.
 * Otherwise {@link NO_PERMIT}: the contract uses the allowance there is (and refuses if it is short).
 */
export async function patientPermit(core: Core, token: string, spender: string, value: bigint): Promise<TokenPermit> {
  if (value === 0n) return NO_PERMIT;
  const owner = await core.contracts.participants.patientAccount(await core.patientId());
  if (owner.toLowerCase() !== (await core.address()).toLowerCase()) return NO_PERMIT;
  const runner = core.runner;
  if ((await (new Contract(token, ierc20Abi, runner) as unknown as IERC20).allowance(owner, spender)) >= value) {
    return NO_PERMIT;
  }
  let domain;
  let nonce: bigint;
  try {
    const d = await (new Contract(token, ierc5267Abi, runner) as unknown as IERC5267).eip712Domain();
    nonce = await (new Contract(token, ierc20PermitAbi, runner) as unknown as IERC20Permit).nonces(owner);
    domain = { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
  } catch {
    return NO_PERMIT; // no EIP-2612 here: the patient's allowance is what the contract will use
  }
  const deadline = BigInt((await core.now()) + 3_600);
  const signature = await core.signer.signTypedData(domain, PERMIT_TYPES, { owner, spender, value, nonce, deadline });
  const { v, r, s } = Signature.from(signature);
  return { deadline, v, r, s };
}

/**
 * The signer approves `spender` for exactly `amount` of `token` when its allowance is short (an institution's own
 * transaction, before one that pulls the amount). Returns the approval's gas (0 when none was needed).
 */
export async function approveIfShort(core: Core, token: string, spender: string, amount: bigint): Promise<bigint> {
  const erc20 = new Contract(token, ierc20Abi, core.signer) as unknown as IERC20;
  if ((await erc20.allowance(await core.address(), spender)) >= amount) return 0n;
  return (await core.send(() => erc20.approve(spender, amount))).gasUsed;
}

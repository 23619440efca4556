/**
 * The public test networks MIIP deploys to, each with a parameter file deploy/parameters/<name>.json: Sepolia, an
 * OP Stack chain (OP Sepolia) and Arbitrum's (Arbitrum Sepolia). Their RPC URL is a secret of its own name; the
 * deploying key is the same everywhere, the parties' keys are per network (MIIP_<NETWORK>_<ROLE>_KEY, see
 * tasks/cli.ts).
 */
export const PUBLIC_NETWORKS = {
  sepolia: { chainId: 11155111, rpc: "SEPOLIA_RPC_URL" },
  "op-sepolia": { chainId: 11155420, rpc: "OP_SEPOLIA_RPC_URL" },
  "arbitrum-sepolia": { chainId: 421614, rpc: "ARBITRUM_SEPOLIA_RPC_URL" },
} as const;

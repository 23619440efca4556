/** The ABI of each deployed contract, from `@miip/contracts`, by the names deployments use. */
import {
  claimEscrowAbi,
  consentManagerAbi,
  inssetTokenAbi,
  istDistributionAbi,
  miipAccessManagerAbi,
  packVerifierAbi,
  participantRegistryAbi,
  productRegistryAbi,
  recordRegistryAbi,
  supplyChainAbi,
} from "@miip/contracts";
import type { InterfaceAbi } from "ethers";

import type { ContractName } from "./deployment";

export const abis: Record<ContractName, InterfaceAbi> = {
  MIIPAccessManager: miipAccessManagerAbi,
  ISTDistribution: istDistributionAbi,
  INSSETToken: inssetTokenAbi,
  ParticipantRegistry: participantRegistryAbi,
  RecordRegistry: recordRegistryAbi,
  ConsentManager: consentManagerAbi,
  ClaimEscrow: claimEscrowAbi,
  ProductRegistry: productRegistryAbi,
  SupplyChain: supplyChainAbi,
  PackVerifier: packVerifierAbi,
};

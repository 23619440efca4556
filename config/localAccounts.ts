/**
 * Who is who among the 30 accounts of the local chains (the in-process Hardhat network and `npm run node`,
 * from Hardhat's default test mnemonic), as deploy/parameters/localhost.json, the tests and the demo use them.
 */
export const LOCAL_ACCOUNTS = {
  deployer: 0,
  treasurer: 1,
  treasury: 2,
  investorA: 3,
  investorB: 4,
  founder: 5,
  teamMember: 6,
  partner: 7,
  advisor: 8,
  registrar: 9,
  hospital: 10,
  pharmacy: 11,
  insurer: 12,
  agency: 13,
  manufacturer: 14,
  distributor: 15,
  patientA: 16,
  patientB: 17,
  relayer: 18,
  stranger: 19,
  guardian: 20,
  emergencyHospital: 21,
  researcher: 22,
  regulator: 23,
  /** The demo's research institute (the demo's `researcher` account plays a rival manufacturer there). */
  studyLab: 24,
  /** The access manager's admin: a governance account of its own (the deploying key renounces the role). */
  governance: 28,
} as const;

export type LocalAccountName = keyof typeof LOCAL_ACCOUNTS;

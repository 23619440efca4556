import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ROLES } from "../../config/roles";
import GovernanceModule from "./Governance";
import ClaimsModule from "./Claims";
import DevicesModule from "./Devices";
import ISTModule from "./IST";
import MarketModule from "./Market";
import PaymentsModule from "./Payments";
import ProductsModule from "./Products";
import RegistryModule from "./Registry";
import SupplyModule from "./Supply";

/**
 * The whole suite, wired together: what `scripts/deploy.ts`, the tests, the demo and the bench deploy.
 *
 * Its last steps put governance under its delay, in the module itself so that the deploying key never keeps
 * the admin role: every managed contract's admin delay becomes the governor's delay (so that no delayed
 * function can be re-mapped at once), the governance account (parameter `admin`) receives the admin role with
 * the governor's execution delay (parameter `governorDelay`), and the deploying key renounces the admin role it
 * needed to wire the roles above. The module cannot check its parameters (Ignition has no conditions): deploy
 * through `scripts/deploy.ts` (`deploySuite`), which refuses an admin that is the deploying key (the suite would
 * end with no admin), delays outside their bounds, and passes the same `governorDelay` to `Registry` and here.
 */
export default buildModule("MIIP", (m) => {
  const { manager } = m.useModule(GovernanceModule);
  const ist = m.useModule(ISTModule);
  const registry = m.useModule(RegistryModule);
  const { claims } = m.useModule(ClaimsModule);
  const { products } = m.useModule(ProductsModule);
  const { supply, verifier } = m.useModule(SupplyModule);
  const { market } = m.useModule(MarketModule);
  const { payments } = m.useModule(PaymentsModule);
  const { devices } = m.useModule(DevicesModule);
  const wired = [
    GovernanceModule,
    ISTModule,
    RegistryModule,
    ClaimsModule,
    ProductsModule,
    SupplyModule,
    MarketModule,
    PaymentsModule,
    DevicesModule,
  ];

  const delay = m.getParameter<number>("governorDelay");
  const targets = {
    ISTDistribution: ist.distribution,
    ParticipantRegistry: registry.participants,
    RecordRegistry: registry.records,
    ConsentManager: registry.consent,
    ClaimEscrow: claims,
    ProductRegistry: products,
    SupplyChain: supply,
    ResearchMarket: market,
    CarePayments: payments,
    DeviceRegistry: devices,
  };
  const delays = Object.entries(targets).map(([name, target]) =>
    m.call(manager, "setTargetAdminDelay", [target, delay], { id: `adminDelay_${name}`, after: wired }),
  );
  const granted = m.call(manager, "grantRole", [ROLES.ADMIN, m.getParameter<string>("admin"), delay], {
    id: "grant_ADMIN",
    after: [...wired, ...delays],
  });
  const deployer = m.getAccount(0);
  m.call(manager, "renounceRole", [ROLES.ADMIN, deployer], { id: "renounce_ADMIN", after: [granted] });

  return { ...ist, ...registry, manager, claims, products, supply, verifier, market, payments, devices };
});

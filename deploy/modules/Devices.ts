import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { DeviceRegistry__factory, RecordRegistry__factory } from "../../typechain-types";
import RegistryModule from "./Registry";
import { wireFunctionRoles } from "./roles";

/**
 * Patient-generated data: the device registry (approved models, personal devices, anchors of encrypted readings,
 * the writers of patients' own streams, remote monitoring), an implementation behind an ERC-1967 proxy (UUPS),
 * initialised in the proxy's constructor. Regulators, patients and hospitals act through the participant directory;
 * upgrades are governed.
 *
 * The record registry takes records that are not a hospital's from this contract alone: the deployer names it
 * (`setPatientStreams`, once) while it still holds the admin role, after the Registry module made the consent
 * manager the read policy, and only then are the record registry's functions given to their roles.
 */
export default buildModule("Devices", (m) => {
  const { manager, participants, records } = m.useModule(RegistryModule);
  const implementation = m.contract("DeviceRegistry", [participants, records], { id: "DeviceRegistryImpl" });
  const proxy = m.contract(
    "ERC1967Proxy",
    [implementation, m.encodeFunctionCall(implementation, "initialize", [manager])],
    { id: "DeviceRegistryProxy" },
  );
  const devices = m.contractAt("DeviceRegistry", proxy, { id: "DeviceRegistry" });
  wireFunctionRoles(m, manager, "DeviceRegistry", devices, DeviceRegistry__factory.createInterface());
  const named = m.call(records, "setPatientStreams", [devices], {
    id: "RecordRegistry_setPatientStreams",
    after: [RegistryModule],
  });
  wireFunctionRoles(m, manager, "RecordRegistry", records, RecordRegistry__factory.createInterface(), [named]);
  return { devices };
});

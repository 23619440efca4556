// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// The proxy every upgradeable contract of the suite sits behind, imported so that its artifact exists for the
// Ignition modules. OpenZeppelin's ERC1967Proxy, unchanged.
// solhint-disable-next-line no-unused-import
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

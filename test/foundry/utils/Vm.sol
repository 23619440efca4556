// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @notice The few Foundry cheatcodes our suites use, declared here because forge-std cannot be downloaded on
 * our machines. Signatures as in Foundry's `Vm.sol`; the cheatcode contract lives at a fixed address.
 */
interface Vm {
    function prank(address sender) external;

    function startPrank(address sender) external;

    function stopPrank() external;

    function warp(uint256 timestamp) external;

    function assume(bool condition) external pure;

    function addr(uint256 privateKey) external pure returns (address);

    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    function label(address account, string calldata newLabel) external;

    function expectRevert(bytes calldata revertData) external;

    function expectRevert(bytes4 revertData) external;

    function chainId(uint256 newChainId) external;

    function snapshotState() external returns (uint256 snapshotId);

    function revertToStateAndDelete(uint256 snapshotId) external returns (bool success);
}

// The cheatcode address every Foundry EVM answers at.
Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

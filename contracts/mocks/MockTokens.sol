// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @notice Test double: a plain mintable ERC-20 with EIP-2612 permits (a stablecoin an insurer might pay in).
contract MockERC20 is ERC20, ERC20Permit {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC20Permit(name_) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice Test double: a stablecoin with 6 decimals, as USDC has: amounts are not in 18-decimal units.
contract MockSixDecimals is MockERC20 {
    constructor() MockERC20("USD Coin", "USDC") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }
}

/// @notice Test double: takes a 1% fee on every transfer, so less arrives than was sent.
contract MockFeeToken is MockERC20 {
    constructor() MockERC20("Fee", "FEE") {}

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0xfee), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice Test double: a token that refuses transfers to blacklisted addresses (as some stablecoins do).
contract MockBlacklistToken is MockERC20 {
    mapping(address account => bool blocked) public blacklisted;

    constructor() MockERC20("Blacklist", "BLK") {}

    function setBlacklisted(address account, bool blocked) external {
        blacklisted[account] = blocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blacklisted[to], "blacklisted");
        super._update(from, to, value);
    }
}

/// @notice Test double: an ERC-20 whose `transfer` and `transferFrom` return nothing (like USDT on mainnet).
contract MockNoReturnToken {
    mapping(address account => uint256 amount) public balanceOf;
    mapping(address owner => mapping(address spender => uint256 amount)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }

    function transferFrom(address from, address to, uint256 amount) external {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// @notice Test double: a token with receive hooks (as ERC-777 has) for recipients that register for them,
/// which a malicious recipient uses to re-enter the contract paying it.
contract MockHookToken is MockERC20 {
    mapping(address account => bool registered) public hooked;

    constructor() MockERC20("Hook", "HOOK") {}

    function registerHook(address account) external {
        hooked[account] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hooked[to] && from != address(0)) {
            ITokenReceiver(to).onTokenReceived(from, value);
        }
    }
}

interface ITokenReceiver {
    function onTokenReceived(address from, uint256 value) external;
}

/**
 * @notice Test double: a token that, inside every transfer, calls back into a target of the test's choosing
 * (the escrow) and records whether the re-entry went through. A guarded escrow makes it fail every time.
 */
contract MockReentrantToken is MockERC20 {
    address public reentryTarget;
    bytes public payload;
    uint256 public reentries;
    uint256 public blocked;
    /// @notice The revert data of the last blocked re-entry, so that a test can tell which guard stopped it.
    bytes public lastError;
    /// @notice An address transfers to fail (so that the escrow credits it), as `MockBlacklistToken` does.
    address public refused;

    constructor() MockERC20("Reentrant", "RE") {}

    function arm(address target_, bytes calldata payload_) external {
        reentryTarget = target_;
        payload = payload_;
    }

    function refuse(address account) external {
        refused = account;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(to != refused || to == address(0), "refused");
        super._update(from, to, value);
        address t = reentryTarget;
        if (t != address(0) && from != address(0)) {
            reentryTarget = address(0);
            (bool ok, bytes memory err) = t.call(payload);
            if (ok) reentries += 1;
            else {
                blocked += 1;
                lastError = err;
            }
            reentryTarget = t;
        }
    }
}

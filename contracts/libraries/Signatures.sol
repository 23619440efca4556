// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/**
 * @title Signatures
 * @notice How the suite checks that an address signed a digest: ECDSA first, then ERC-1271.
 * @dev OpenZeppelin's `isValidSignatureNow` asks for the signer's code size first, a cold account access (2,600
 * gas) that every patient with an ordinary wallet would pay; trying the signature first costs a smart-contract
 * wallet one failed `ecrecover` instead. `tryRecoverCalldata` (no copy of the signature to memory) refuses
 * malleable (high-s) signatures.
 */
library Signatures {
    /// @notice True if `signer` signed `digest`: an ECDSA signature by its key, or its ERC-1271 approval.
    function isValid(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature);
    }
}

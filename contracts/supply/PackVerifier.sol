// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {ISupplyChain} from "../interfaces/ISupplyChain.sol";
import {ISupplyChainTypes} from "../interfaces/ISupplyChainTypes.sol";

/**
 * @title PackVerifier
 * @notice The public check of a medicine pack from what is printed on it: the GS1 element strings GTIN (01),
 * lot (10), serial (21) and expiry (17), with the serial's proof. No batch id, no account, no gas: a view.
 * @dev A lens: it holds no state and reads the supply chain, the product registry and the participant directory,
 * whose proxies never move, so it is not upgradeable; a new one is simply deployed beside the suite.
 */
contract PackVerifier {
    /**
     * @notice What anyone learns about a pack.
     * @param batchId The batch its GTIN and lot name (0: none, so nothing below is about a real batch).
     * @param genuine Whether the serial is that batch's unit at the given index (below its quantity, proven).
     * @param expiryMatches Whether the printed expiry is the batch's (a pack is authentic only if it is genuine
     * and its expiry matches).
     * @param manufacturerId The batch's maker, the GTIN's owner in the product registry.
     * @param manufacturerName Its name in the directory.
     * @param product The product's master data (empty if the GTIN is not registered).
     * @param expiresAt The batch's expiry.
     * @param expired Whether it has expired.
     * @param recalled Whether the batch is recalled.
     * @param recallMessage What patients holding it should do.
     * @param batchMessage The manufacturer's note on the batch.
     * @param excursions Readings out of range in the batch's shipments.
     * @param adverseEvents Reports filed against the batch.
     * @param dispensed Whether this GTIN and serial was dispensed, under any lot.
     * @param dispensedBatch The batch it was dispensed under (if not `batchId`: one of the two is a copy).
     * @param dispensedBy The pharmacy that dispensed it.
     * @param dispensedAt When.
     * @param leafletLanguage The language of the leaflet returned (the one asked for, or the product's first).
     * @param leafletVersion Its version (0: the product has no leaflet).
     * @param leaflet The current leaflet.
     */
    struct Verification {
        uint256 batchId;
        bool genuine;
        bool expiryMatches;
        uint32 manufacturerId;
        string manufacturerName;
        IProductRegistry.ProductData product;
        uint40 expiresAt;
        bool expired;
        bool recalled;
        string recallMessage;
        string batchMessage;
        uint32 excursions;
        uint32 adverseEvents;
        bool dispensed;
        uint256 dispensedBatch;
        uint32 dispensedBy;
        uint40 dispensedAt;
        bytes2 leafletLanguage;
        uint256 leafletVersion;
        IProductRegistry.Leaflet leaflet;
    }

    /// @notice The printed codes of a pack (GS1 application identifiers 01, 10, 21 and 17).
    /// @param gtin The GTIN-14 (AI 01).
    /// @param lot The lot, right-padded ASCII (AI 10).
    /// @param serial The serial, right-padded ASCII (AI 21), as the batch's serial tree holds it.
    /// @param expiry The expiry as printed, YYMMDD (AI 17; DD 00 means the month's last day).
    struct PackCode {
        uint64 gtin;
        bytes32 lot;
        bytes32 serial;
        uint32 expiry;
    }

    /// @notice The supply chain read.
    ISupplyChain public immutable supply;
    /// @notice The product registry read.
    IProductRegistry public immutable products;
    /// @notice The participant directory read.
    IParticipantRegistry public immutable participants;

    /// @param supply_ The supply chain (its proxy).
    /// @param products_ The product registry (its proxy).
    /// @param participants_ The participant directory (its proxy).
    constructor(ISupplyChain supply_, IProductRegistry products_, IParticipantRegistry participants_) {
        supply = supply_;
        products = products_;
        participants = participants_;
    }

    /**
     * @notice Checks a pack from its printed codes.
     * @param pack The printed codes.
     * @param index The unit's index in its batch (published by the manufacturer with the proof).
     * @param proof The serial's Merkle proof.
     * @param language The leaflet language wanted (ISO 639-1, e.g. "ko").
     * @return v What the chain knows of it.
     */
    function verify(
        PackCode calldata pack,
        uint256 index,
        bytes32[] calldata proof,
        bytes2 language
    ) external view returns (Verification memory v) {
        v.batchId = supply.batchOfLot(pack.gtin, pack.lot);
        ISupplyChainTypes.DispensedUnit memory unit = supply.dispensedUnit(pack.gtin, pack.serial);
        v.dispensed = unit.batchId != 0;
        v.dispensedBatch = unit.batchId;
        v.dispensedBy = unit.pharmacyId;
        v.dispensedAt = unit.dispensedAt;
        if (v.batchId == 0) return v;
        ISupplyChainTypes.Batch memory b = supply.getBatch(v.batchId);
        v.genuine = supply.isGenuine(v.batchId, index, pack.serial, proof);
        v.expiryMatches = expiryMatches(pack.expiry, b.expiresAt);
        v.manufacturerId = b.manufacturerId;
        v.manufacturerName = participants.institution(b.manufacturerId).name;
        v.expiresAt = b.expiresAt;
        v.expired = block.timestamp >= b.expiresAt;
        v.recalled = b.status == ISupplyChainTypes.BatchStatus.Recalled;
        (v.batchMessage, v.recallMessage) = supply.messagesOf(v.batchId);
        v.excursions = b.excursions;
        v.adverseEvents = b.adverseEvents;
        // The batch's GTIN was registered when the batch was: the product exists.
        v.product = products.getProduct(pack.gtin).data;
        // A product may have no leaflet yet.
        try products.currentLeaflet(pack.gtin, language) returns (
            bytes2 shown,
            uint256 version,
            IProductRegistry.Leaflet memory current
        ) {
            (v.leafletLanguage, v.leafletVersion, v.leaflet) = (shown, version, current);
        } catch {}
    }

    /**
     * @notice Whether a printed GS1 expiry (YYMMDD, years 2000 to 2099; DD 00 is the month's last day) names the
     * day of `expiresAt`: the batch's expiry falls within that day or at its very end (an expiry at midnight is
     * the end of the day before, so no expiry matches two printed days).
     * @param printed The printed date as a number (e.g. 271231).
     * @param expiresAt The batch's expiry (unix time).
     */
    function expiryMatches(uint32 printed, uint40 expiresAt) public pure returns (bool) {
        uint256 year = 2000 + printed / 10000;
        uint256 month = (printed / 100) % 100;
        uint256 day = printed % 100;
        if (printed > 999999 || month == 0 || month > 12) return false;
        uint256 last = _daysInMonth(year, month);
        if (day == 0) day = last;
        if (day > last) return false;
        uint256 start = _daysFromCivil(year, month, day) * 1 days;
        return expiresAt > start && expiresAt <= start + 1 days;
    }

    function _daysInMonth(uint256 year, uint256 month) private pure returns (uint256) {
        if (month == 2) return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
        if (month == 4 || month == 6 || month == 9 || month == 11) return 30;
        return 31;
    }

    /// @dev Days from 1970-01-01 to a date of the proleptic Gregorian calendar, for years from 2000 (H. Hinnant's
    /// `days_from_civil`, which needs no table).
    function _daysFromCivil(uint256 year, uint256 month, uint256 day) private pure returns (uint256) {
        if (month <= 2) --year;
        uint256 era = year / 400;
        uint256 yoe = year - era * 400;
        uint256 doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        uint256 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}

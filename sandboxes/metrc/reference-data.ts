/** Fixed METRC look-up lists the sandbox serves (names vary by state in real METRC). */

export const TRANSFER_TYPES = [
  {
    Name: 'Wholesale',
    TransactionType: 'Wholesale',
    ForLicensedShipments: true,
    ForExternalIncomingShipments: false,
    ForExternalOutgoingShipments: false,
    RequiresDestinationGrossWeight: false,
    RequiresPackagesGrossWeight: false,
    RequiresInvoiceNumber: false,
  },
  {
    Name: 'Affiliated Transfer',
    TransactionType: 'Transfer',
    ForLicensedShipments: true,
    ForExternalIncomingShipments: false,
    ForExternalOutgoingShipments: false,
    RequiresDestinationGrossWeight: false,
    RequiresPackagesGrossWeight: false,
    RequiresInvoiceNumber: false,
  },
  {
    Name: 'Wholesale Manifest',
    TransactionType: 'Wholesale',
    ForLicensedShipments: true,
    ForExternalIncomingShipments: false,
    ForExternalOutgoingShipments: false,
    RequiresDestinationGrossWeight: false,
    RequiresPackagesGrossWeight: true,
    RequiresInvoiceNumber: true,
  },
];

export const ADJUST_REASONS = [
  { Name: 'Damage', RequiresNote: false, RequiresWasteWeight: false, RequiresImmatureWasteWeight: false },
  { Name: 'Drying', RequiresNote: false, RequiresWasteWeight: false, RequiresImmatureWasteWeight: false },
  { Name: 'Entry Error', RequiresNote: true, RequiresWasteWeight: false, RequiresImmatureWasteWeight: false },
  { Name: 'Scale Variance', RequiresNote: false, RequiresWasteWeight: false, RequiresImmatureWasteWeight: false },
  { Name: 'Theft', RequiresNote: true, RequiresWasteWeight: false, RequiresImmatureWasteWeight: false },
  {
    Name: 'Waste (Unusable Product)',
    RequiresNote: true,
    RequiresWasteWeight: false,
    RequiresImmatureWasteWeight: false,
  },
];

export const UNITS_OF_MEASURE = [
  { QuantityType: 'CountBased', Name: 'Each', Abbreviation: 'ea' },
  { QuantityType: 'WeightBased', Name: 'Grams', Abbreviation: 'g' },
  { QuantityType: 'WeightBased', Name: 'Ounces', Abbreviation: 'oz' },
  { QuantityType: 'WeightBased', Name: 'Pounds', Abbreviation: 'lb' },
  { QuantityType: 'WeightBased', Name: 'Kilograms', Abbreviation: 'kg' },
  { QuantityType: 'WeightBased', Name: 'Milligrams', Abbreviation: 'mg' },
];

export const SALES_CUSTOMER_TYPES = ['Consumer', 'Patient', 'Caregiver', 'ExternalPatient'];

/** A subset of METRC's ~110 facility flags, chosen by role. */
export function facilityTypeFlags(role: 'wholesaler' | 'retailer'): Record<string, boolean> {
  const retail = role === 'retailer';
  return {
    IsMedical: false,
    IsRetail: true,
    IsHemp: false,
    CanGrowPlants: !retail,
    CanCreateOpeningBalancePackages: true,
    CanTransferFromExternalFacilities: true,
    CanSellToConsumers: retail,
    CanSellToPatients: false,
    CanSellToCaregivers: false,
    CanDeliverSalesToConsumers: retail,
    CanTestPackages: false,
    CanReportOperationalExceptions: true,
  };
}

/**
 * Vocabulary for the demo catalog: Colorado towns, business names, brands, strains and product
 * shapes per category. Plain data; db/seed/build.ts combines it with a seeded generator.
 */

export const CATEGORIES = ['Flower', 'Pre-Roll', 'Vape', 'Edible', 'Concentrate', 'Tincture', 'Topical'] as const;
export type Category = (typeof CATEGORIES)[number];

/** METRC item categories of the sandbox catalog → Trellis product categories. */
export const METRC_CATEGORY: Record<string, Category> = {
  Buds: 'Flower',
  'Shake/Trim': 'Flower',
  'Pre-Roll Flower': 'Pre-Roll',
  'Vape Cartridge': 'Vape',
  Edibles: 'Edible',
  Concentrate: 'Concentrate',
  Tinctures: 'Tincture',
};

export interface Town {
  city: string;
  zip: string;
  streets: readonly string[];
}

export const TOWNS: readonly Town[] = [
  { city: 'Denver', zip: '80202', streets: ['Larimer St', 'Blake St', 'Colfax Ave', 'Broadway', 'Brighton Blvd', 'Santa Fe Dr'] },
  { city: 'Denver', zip: '80216', streets: ['York St', 'Franklin St', 'Race St', 'E 48th Ave'] },
  { city: 'Aurora', zip: '80010', streets: ['E Colfax Ave', 'Havana St', 'Peoria St'] },
  { city: 'Boulder', zip: '80302', streets: ['Pearl St', 'Arapahoe Ave', 'Canyon Blvd', '28th St'] },
  { city: 'Colorado Springs', zip: '80903', streets: ['Tejon St', 'Nevada Ave', 'Platte Ave'] },
  { city: 'Fort Collins', zip: '80524', streets: ['College Ave', 'Mulberry St', 'Lemay Ave'] },
  { city: 'Pueblo', zip: '81003', streets: ['Santa Fe Ave', 'Northern Ave', 'Union Ave'] },
  { city: 'Grand Junction', zip: '81501', streets: ['Main St', 'North Ave', 'Patterson Rd'] },
  { city: 'Durango', zip: '81301', streets: ['Main Ave', 'Camino del Rio', 'College Dr'] },
  { city: 'Breckenridge', zip: '80424', streets: ['Main St', 'Ridge St', 'Park Ave'] },
  { city: 'Trinidad', zip: '81082', streets: ['Commercial St', 'Main St', 'Santa Fe Trail'] },
  { city: 'Lakewood', zip: '80226', streets: ['Wadsworth Blvd', 'Alameda Ave', 'Union Blvd'] },
  { city: 'Longmont', zip: '80501', streets: ['Main St', 'Ken Pratt Blvd', 'Hover St'] },
  { city: 'Glenwood Springs', zip: '81601', streets: ['Grand Ave', 'Cooper Ave', 'Midland Ave'] },
  { city: 'Steamboat Springs', zip: '80487', streets: ['Lincoln Ave', 'Yampa St', 'Pine Grove Rd'] },
  { city: 'Telluride', zip: '81435', streets: ['Colorado Ave', 'Pacific Ave', 'Fir St'] },
  { city: 'Edgewater', zip: '80214', streets: ['Sheridan Blvd', 'W 25th Ave'] },
  { city: 'Commerce City', zip: '80022', streets: ['E 72nd Ave', 'Quebec Pkwy', 'Vasquez Blvd'] },
];

export const WHOLESALER_NAMES = [
  'Rocky Mountain High Cultivation',
  'Summit Peak Growers',
  'Pikes Peak Botanicals',
  'Arkansas Valley Farms',
  'San Juan Sungrown',
  'Continental Divide Extracts',
  'Cherry Creek Labs',
  'Gunnison Green',
  'Platte River Partners',
  'Sangre de Cristo Gardens',
] as const;

export const RETAILER_NAMES = [
  'The Green Solution',
  'Lightshade Colfax',
  'Native Roots Downtown',
  'Kind Love Dispensary',
  'Starbuds Aurora',
  'Silver Stem Fine Cannabis',
  'Diego Pellicer Denver',
  'The Herbal Cure',
  'Canna Club Boulder',
  'Terrapin Care Station',
  'Strawberry Fields Springs',
  'Emerald Fields Glendale',
  'Bonfire Cannabis Co',
  'Golden Meadows Dispensary',
  'Tumbleweed Trinidad',
  'Alpine Leaf Breckenridge',
  'Durango Organics',
  'Grand Mesa Greens',
  'Yampa Valley Cannabis',
  'Mountain Annie\'s',
  'Elevated Pueblo',
  'Fort Collins Flower Shop',
  'Peak Provisions',
  'Riverside Remedies',
  'Highland Herb House',
  'Foothills Cannabis',
  'Telluride Bud Company',
  'Longmont Leaf',
  'Glenwood Green Room',
  'Pearl Street Provisions',
  'Colfax Cannabis Collective',
  'Cherry Creek Cannabis',
  'Westside Wellness',
  'Front Porch Pot Shop',
  'Mile Marker 420',
] as const;

export const BRANDS = [
  'Peak Reserve', 'Summit', 'Snowcap', 'Alpenglow', 'Wana Style', 'Highline', 'Red Rocks Reserve', 'Timberline',
  'Boulder Botanics', 'Columbine', 'Aspen Grove', 'Trailhead', 'Fourteener', 'Mesa Gold', 'Front Range Farms',
  'Blue River', 'Switchback', 'Powder Day', 'Cloud Nine Extracts', 'Frostline',
] as const;

export const STRAINS = [
  'Blue Dream', 'Sour Diesel', 'OG Kush', 'Gelato', 'Wedding Cake', 'Granddaddy Purple', 'Green Crack', 'Durban Poison',
  'Northern Lights', 'Girl Scout Cookies', 'Gorilla Glue #4', 'Pineapple Express', 'Jack Herer', 'Purple Haze',
  'Tangie', 'Super Lemon Haze', 'Zkittlez', 'Runtz', 'Ice Cream Cake', 'Mac 1', 'Chemdawg', 'Trainwreck', 'Harlequin',
  'Cherry Pie', 'Strawberry Cough', 'Bruce Banner', 'Lemon Tree', 'Biscotti', 'Sunset Sherbet', 'Apple Fritter',
] as const;

export const STRAIN_TYPES = ['indica-dominant', 'sativa-dominant', 'balanced hybrid', 'indica', 'sativa'] as const;
export const AROMAS = ['citrus', 'pine', 'diesel', 'berry', 'earthy', 'sweet cream', 'grape', 'spice', 'tropical fruit', 'mint'] as const;
export const FLAVORS = ['Watermelon', 'Sour Cherry', 'Mango', 'Huckleberry', 'Lemonade', 'Peach', 'Blackberry', 'Dark Chocolate', 'Salted Caramel', 'Mint Chip'] as const;

export interface VariantShape {
  name: string;
  suffix: string;
  unit: 'Each' | 'Grams';
  /** Wholesale price range in cents. */
  price: [number, number];
}

export interface ProductShape {
  category: Category;
  /** `{strain}` or `{flavor}` are filled in. */
  name: string;
  description: string;
  variants: readonly VariantShape[];
}

export const PRODUCT_SHAPES: readonly ProductShape[] = [
  {
    category: 'Flower',
    name: '{strain} Flower',
    description: '{strain} is a {type} grown indoors under LED; notes of {aroma}. Hand-trimmed and slow-cured.',
    variants: [
      { name: '3.5g jar', suffix: '35', unit: 'Each', price: [1200, 2600] },
      { name: '7g jar', suffix: '7G', unit: 'Each', price: [2200, 4600] },
      { name: 'Bulk, priced per gram', suffix: 'BLK', unit: 'Grams', price: [200, 450] },
    ],
  },
  {
    category: 'Pre-Roll',
    name: '{strain} Pre-Roll',
    description: 'Whole-flower {strain} pre-rolls ({type}), no trim or shake; {aroma} forward.',
    variants: [
      { name: 'Single 1g', suffix: '1G', unit: 'Each', price: [400, 900] },
      { name: '5-pack 0.5g', suffix: '5PK', unit: 'Each', price: [1400, 2800] },
    ],
  },
  {
    category: 'Vape',
    name: '{strain} Live Resin Cartridge',
    description: 'Live resin from fresh-frozen {strain}; 510 thread, ceramic coil. Strain-specific terpenes with a {aroma} finish.',
    variants: [
      { name: '0.5g cartridge', suffix: 'HG', unit: 'Each', price: [1500, 2800] },
      { name: '1g cartridge', suffix: '1G', unit: 'Each', price: [2600, 4800] },
    ],
  },
  {
    category: 'Edible',
    name: '{flavor} Gummies',
    description: 'Vegan {flavor} gummies, 10 pieces of 10mg THC, made with real fruit. Fast-acting nano emulsion.',
    variants: [
      { name: '100mg pack', suffix: '100', unit: 'Each', price: [800, 1600] },
      { name: 'Case of 24', suffix: 'C24', unit: 'Each', price: [18000, 34000] },
    ],
  },
  {
    category: 'Edible',
    name: '{flavor} Chocolate Bar',
    description: '{flavor} chocolate bar, 10 squares of 10mg THC. Single-origin cacao.',
    variants: [{ name: '100mg bar', suffix: 'BAR', unit: 'Each', price: [900, 1800] }],
  },
  {
    category: 'Concentrate',
    name: '{strain} Shatter',
    description: 'Glass-stable {strain} shatter, BHO extracted and purged; {aroma} on the nose.',
    variants: [{ name: '1g', suffix: '1G', unit: 'Each', price: [1200, 2600] }],
  },
  {
    category: 'Concentrate',
    name: '{strain} Live Rosin',
    description: 'Solventless {strain} live rosin ({type}), ice-water hash pressed cold.',
    variants: [
      { name: '1g jar', suffix: '1G', unit: 'Each', price: [3000, 5500] },
      { name: '2g jar', suffix: '2G', unit: 'Each', price: [5500, 9800] },
    ],
  },
  {
    category: 'Tincture',
    name: '{flavor} Tincture 1:1',
    description: '1:1 CBD:THC {flavor} tincture in MCT oil, 30ml with graduated dropper.',
    variants: [{ name: '30ml bottle', suffix: '30', unit: 'Each', price: [1800, 3600] }],
  },
  {
    category: 'Topical',
    name: '{flavor} Relief Balm',
    description: 'Full-spectrum relief balm with arnica and menthol, {flavor} scent. Non-intoxicating in use.',
    variants: [
      { name: '1oz tin', suffix: '1OZ', unit: 'Each', price: [1400, 2800] },
      { name: '2oz tin', suffix: '2OZ', unit: 'Each', price: [2400, 4400] },
    ],
  },
];

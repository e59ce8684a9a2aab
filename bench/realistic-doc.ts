/**
 * Deterministic generator of realistic JSON documents, for compression and
 * cache benchmarks and tests. No dependencies, no Math.random.
 *
 * The document looks like a paginated e-commerce API response: a list of
 * orders, each with a nested customer and address, line items (product id,
 * SKU, name, description built from a word vocabulary, prices, tags,
 * attributes), ISO timestamps, booleans, nulls and some high-entropy fields
 * (UUIDs, tracking numbers, e-mail addresses) so that compressors see the
 * same mix of repeated keys, natural-ish text and random tokens that real
 * cached payloads have.
 *
 * `realisticDocument(targetBytes, seed)` returns a value whose
 * `JSON.stringify(...)` length is targetBytes, padded exactly (the string
 * contains only ASCII, so its length in characters equals its UTF-8 length
 * in bytes). The same (targetBytes, seed) always yields the same document.
 */

/** mulberry32: small, fast, deterministic 32-bit PRNG. Returns [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a of and to in for with on by from this that is are be as at it or ' +
  'premium durable lightweight compact wireless ergonomic stainless steel cotton organic ' +
  'waterproof rechargeable portable adjustable classic modern vintage eco friendly ' +
  'soft comfortable breathable stretch slim fit relaxed heavy duty professional grade ' +
  'kitchen garden outdoor indoor office travel home kids sports fitness yoga running ' +
  'hiking camping cycling bluetooth usb charger cable battery speaker headphones ' +
  'keyboard mouse monitor stand desk lamp chair bottle mug bag backpack wallet watch ' +
  'jacket shirt shoes socks hat gloves scarf blanket pillow towel mat set kit pack ' +
  'design quality material finish color size warranty included easy clean assemble ' +
  'perfect gift everyday use long lasting high performance fast shipping new improved ' +
  'version features includes made from recycled plastic aluminum wood glass leather ' +
  'bamboo silicone ceramic fabric mesh foam rubber nylon polyester wool linen ' +
  'suitable ideal great for all ages men women unisex family home work school ' +
  'handmade limited edition exclusive best seller top rated customer favorite ' +
  'dishwasher safe machine washable non slip anti scratch shock resistant ' +
  'energy efficient low noise quick dry temperature control smart app compatible'
).split(' ');

const FIRST = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Ava',
  'Elijah',
  'Sophia',
  'James',
  'Mia',
  'Lucas',
  'Isabella',
  'Mateo',
  'Amelia',
  'Hiro',
  'Fatima',
  'Chen',
  'Priya',
  'Jonas',
  'Sara',
  'Diego',
  'Aisha',
  'Tomasz',
  'Ingrid',
  'Kofi',
  'Yuki',
  'Leila',
  'Marco',
  'Anna',
  'Omar',
  'Elena',
];
const LAST = [
  'Smith',
  'Johnson',
  'Garcia',
  'Mueller',
  'Kowalski',
  'Nguyen',
  'Tanaka',
  'Rossi',
  'Dubois',
  'Silva',
  'Kim',
  'Patel',
  'Andersen',
  'Novak',
  'Okafor',
  'Haddad',
  'Ivanova',
  'Brown',
  'Martin',
  'Lopez',
  'Wilson',
  'Schmidt',
  'Costa',
  'Larsen',
  'Yilmaz',
];
const CITIES: Array<[string, string, string]> = [
  ['Berlin', 'BE', 'DE'],
  ['Munich', 'BY', 'DE'],
  ['Paris', 'IDF', 'FR'],
  ['Lyon', 'ARA', 'FR'],
  ['Madrid', 'MD', 'ES'],
  ['Warsaw', 'MZ', 'PL'],
  ['Amsterdam', 'NH', 'NL'],
  ['Austin', 'TX', 'US'],
  ['Seattle', 'WA', 'US'],
  ['Boston', 'MA', 'US'],
  ['Toronto', 'ON', 'CA'],
  ['Milan', 'MI', 'IT'],
  ['Lisbon', 'LX', 'PT'],
  ['Oslo', 'OS', 'NO'],
  ['Tokyo', '13', 'JP'],
  ['Sydney', 'NSW', 'AU'],
];
const STREETS = [
  'Main St',
  'Oak Avenue',
  'Park Road',
  'High Street',
  'Maple Drive',
  'Station Road',
  'Church Lane',
  'Elm Street',
  'Lindenstrasse',
  'Rue de la Paix',
  'Calle Mayor',
  'Via Roma',
];
const DOMAINS = ['example.com', 'mail.example.org', 'inbox.example.net', 'corp.example.io'];
const STATUSES = ['pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded'];
const CARRIERS = ['DHL', 'UPS', 'FedEx', 'USPS', 'DPD', 'GLS', 'PostNL'];
const METHODS = ['standard', 'express', 'next_day', 'pickup'];
const PAYMENT = ['card', 'paypal', 'bank_transfer', 'apple_pay', 'google_pay', 'invoice'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'PLN'];
const TAGS = [
  'new',
  'sale',
  'bestseller',
  'eco',
  'gift',
  'clearance',
  'limited',
  'bundle',
  'outdoor',
  'tech',
  'home',
  'apparel',
  'kids',
  'premium',
  'imported',
  'handmade',
];
const COLORS = ['black', 'white', 'red', 'navy', 'green', 'grey', 'beige', 'blue', 'pink', null];
const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL', 'one-size', null];
const CATEGORIES = [
  'electronics/audio',
  'electronics/accessories',
  'home/kitchen',
  'home/decor',
  'apparel/men',
  'apparel/women',
  'sports/outdoor',
  'sports/fitness',
  'toys/kids',
  'office/supplies',
];

class Gen {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = mulberry32(seed);
  }
  float(): number {
    return this.r();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.r() * (max - min + 1));
  }
  bool(pTrue = 0.5): boolean {
    return this.r() < pTrue;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)];
  }
  /** Zipf-like pick: earlier entries are much more frequent, like real text. */
  zipf<T>(xs: readonly T[]): T {
    const u = this.r();
    return xs[Math.min(xs.length - 1, Math.floor(xs.length * u * u * u))];
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(this.r() * 16)];
    return s;
  }
  alnum(n: number): string {
    const A = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += A[Math.floor(this.r() * A.length)];
    return s;
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${'89ab'[this.int(0, 3)]}${this.hex(3)}-${this.hex(12)}`;
  }
  words(min: number, max: number): string {
    const n = this.int(min, max);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.zipf(WORDS));
    const s = out.join(' ');
    return s.charAt(0).toUpperCase() + s.slice(1) + '.';
  }
  price(min: number, max: number): number {
    return Math.round((min + this.r() * (max - min)) * 100) / 100;
  }
  /** ISO timestamp within 2023..2025, millisecond precision, always 'Z'. */
  date(base = Date.UTC(2023, 0, 1), spanDays = 3 * 365): string {
    return new Date(base + Math.floor(this.r() * spanDays * 86_400_000)).toISOString();
  }
}

function makeProductName(g: Gen): string {
  const adj = g.zipf(WORDS.slice(20, 80));
  const noun = g.pick(WORDS.slice(80, 130));
  return `${adj[0].toUpperCase()}${adj.slice(1)} ${noun} ${g.pick(['Pro', 'Lite', 'Max', 'Mini', 'Plus', 'Classic', '2', 'X'])}`;
}

function makeCustomer(g: Gen, id: number): Record<string, unknown> {
  const first = g.pick(FIRST);
  const last = g.pick(LAST);
  const [city, region, country] = g.pick(CITIES);
  const address = {
    line1: `${g.int(1, 250)} ${g.pick(STREETS)}`,
    line2: g.bool(0.2) ? `Apt ${g.int(1, 90)}` : null,
    city,
    region,
    postalCode: String(g.int(10000, 99999)),
    country,
    geo: { lat: Math.round((g.float() * 140 - 70) * 1e6) / 1e6, lng: Math.round((g.float() * 360 - 180) * 1e6) / 1e6 },
  };
  return {
    id: `cus_${g.alnum(14)}`,
    legacyId: id,
    firstName: first,
    lastName: last,
    email: `${first}.${last}${g.int(1, 999)}@${g.pick(DOMAINS)}`.toLowerCase(),
    phone: g.bool(0.8) ? `+${g.int(1, 49)} ${g.int(100, 999)} ${g.int(1000000, 9999999)}` : null,
    verified: g.bool(0.85),
    marketingOptIn: g.bool(0.4),
    loyalty: g.bool(0.3) ? { tier: g.pick(['bronze', 'silver', 'gold', 'platinum']), points: g.int(0, 25000) } : null,
    createdAt: g.date(Date.UTC(2018, 0, 1), 5 * 365),
    shippingAddress: address,
    billingAddress: g.bool(0.7)
      ? address
      : { ...address, line1: `${g.int(1, 250)} ${g.pick(STREETS)}`, postalCode: String(g.int(10000, 99999)) },
  };
}

function makeItem(g: Gen): Record<string, unknown> {
  const unit = g.price(2, 400);
  const qty = g.bool(0.75) ? 1 : g.int(2, 6);
  const discount = g.bool(0.25) ? Math.round(unit * qty * g.pick([0.05, 0.1, 0.15, 0.2, 0.25]) * 100) / 100 : null;
  const ntags = g.int(0, 4);
  const tags: string[] = [];
  for (let i = 0; i < ntags; i++) tags.push(g.zipf(TAGS));
  return {
    productId: g.int(100000, 999999),
    sku: `${g.pick(['EL', 'HM', 'AP', 'SP', 'TY', 'OF'])}-${g.alnum(6)}-${g.pick(SIZES) ?? 'NA'}`,
    name: makeProductName(g),
    description: g.words(8, 40),
    category: g.zipf(CATEGORIES),
    quantity: qty,
    unitPrice: unit,
    discount,
    lineTotal: Math.round((unit * qty - (discount ?? 0)) * 100) / 100,
    taxRate: g.pick([0, 0.07, 0.19, 0.2, 0.21, 0.23]),
    tags,
    attributes: { color: g.pick(COLORS), size: g.pick(SIZES), weightGrams: g.int(20, 15000) },
    inStock: g.bool(0.9),
    backordered: g.bool(0.05),
    imageUrl: g.bool(0.9) ? `https://cdn.example.com/img/${g.hex(16)}.jpg` : null,
  };
}

function makeOrder(g: Gen, n: number): Record<string, unknown> {
  const created = g.date();
  const nItems = g.zipf([1, 1, 2, 2, 3, 4, 5, 6, 8, 12]);
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < nItems; i++) items.push(makeItem(g));
  const subtotal = Math.round(items.reduce((s, it) => s + (it.lineTotal as number), 0) * 100) / 100;
  const shippingCost = g.pick([0, 0, 4.99, 9.99, 14.5]);
  const status = g.zipf(STATUSES);
  const shipped = status === 'shipped' || status === 'delivered';
  return {
    id: g.uuid(),
    orderNumber: `ORD-${2023 + (n % 3)}-${String(100000 + n).padStart(7, '0')}`,
    status,
    currency: g.zipf(CURRENCIES),
    createdAt: created,
    updatedAt: g.bool(0.7) ? new Date(Date.parse(created) + g.int(60_000, 20 * 86_400_000)).toISOString() : null,
    customer: makeCustomer(g, 10000 + g.int(0, 50000)),
    items,
    totals: {
      subtotal,
      shipping: shippingCost,
      tax: Math.round(subtotal * 0.19 * 100) / 100,
      grandTotal: Math.round((subtotal * 1.19 + shippingCost) * 100) / 100,
    },
    payment: {
      method: g.zipf(PAYMENT),
      captured: status !== 'pending' && status !== 'cancelled',
      transactionId: status === 'pending' ? null : `txn_${g.alnum(20)}`,
    },
    shipping: {
      method: g.zipf(METHODS),
      carrier: shipped ? g.pick(CARRIERS) : null,
      trackingNumber: shipped ? g.alnum(18) : null,
      estimatedDelivery: shipped ? g.date(Date.parse(created), 14).slice(0, 10) : null,
    },
    giftWrap: g.bool(0.08),
    notes: g.bool(0.15) ? g.words(4, 18) : null,
    flags: { fraudCheck: g.pick(['passed', 'passed', 'passed', 'review', null]), firstOrder: g.bool(0.2) },
  };
}

/**
 * Build a realistic JSON-serialisable document whose JSON.stringify length is
 * exactly `targetBytes` (for targetBytes >= ~1000; smaller targets give the
 * smallest possible document, slightly larger than the target). Below ~2 KB
 * (where one order no longer fits) the page has no orders, only
 * recommendations and padding. (Bench copy: the original always kept the
 * first order, so it could not produce a ~1 KB document; larger documents are
 * unchanged.)
 */
export function realisticDocument(targetBytes: number, seed = 42): unknown {
  const g = new Gen(seed);
  const doc = {
    apiVersion: '2024-06-01',
    requestId: g.uuid(),
    generatedAt: '2025-01-15T12:00:00.000Z',
    pagination: { page: 1, pageSize: 0, total: 0, hasMore: false, nextCursor: null as string | null },
    filters: { status: null as string | null, from: '2023-01-01', to: '2025-12-31', includeArchived: false },
    data: [] as Record<string, unknown>[],
    recommendations: [] as Record<string, unknown>[],
    padding: '',
  };
  // Size bookkeeping: stringify each order once and add its length (+1 for ',').
  let size = JSON.stringify(doc).length;
  const reserve = 200; // room for the pagination numbers and cursor to grow
  for (let n = 0; ; n++) {
    const order = makeOrder(g, n);
    const len = JSON.stringify(order).length + (doc.data.length > 0 ? 1 : 0);
    if (size + len + reserve > targetBytes) break;
    doc.data.push(order);
    size += len;
  }
  doc.pagination = {
    page: 1,
    pageSize: doc.data.length,
    total: doc.data.length * 37 + g.int(0, 36),
    hasMore: true,
    nextCursor: `c_${g.alnum(24)}`,
  };
  // Fill most of the remaining gap with smaller product objects...
  for (;;) {
    const cur = JSON.stringify(doc).length;
    const item = makeItem(g);
    const len = JSON.stringify(item).length + (doc.recommendations.length > 0 ? 1 : 0);
    if (cur + len > targetBytes) break;
    doc.recommendations.push(item);
  }
  // ...then pad exactly to the target with vocabulary text (compressible, like prose).
  const missing = targetBytes - JSON.stringify(doc).length;
  if (missing > 0) {
    let pad = '';
    while (pad.length < missing) pad += (pad ? ' ' : '') + g.zipf(WORDS);
    doc.padding = pad.slice(0, missing);
  }
  return doc;
}

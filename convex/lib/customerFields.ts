/**
 * The customer fields' fixed values, free of any library: the list's search params and filters
 * use them in the browser's first bundle, where the validation rules (zod) are not needed.
 */
export const CUSTOMER_STATUSES = ["lead", "active", "inactive"] as const;
export type CustomerStatusValue = (typeof CUSTOMER_STATUSES)[number];

export const LIMITS = { name: 120, email: 254, company: 120, phone: 40, notes: 2000 } as const;

/**
 * DKIM key records from DNS: {@link org.postseal.dns.KeyRecordSource}, the non-blocking port the milter uses, served
 * by {@link org.postseal.dns.DnsKeyRecordSource} (dnsjava's asynchronous resolver behind a Caffeine cache that honours
 * TTLs), and {@link org.postseal.dns.BlockingKeyLookup}, the engine's synchronous port over it for the command line.
 * Outcomes follow RFC 6376 §6.1.2: NXDOMAIN or no usable TXT record is permanent, a timeout, an error code or a
 * network error temporary. Imports of postseal: {@code dkim}, and {@code events} to tell how lookups were answered.
 */
package org.postseal.dns;

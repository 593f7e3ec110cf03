/**
 * Internet messages as RFC 5322 sees them, and nothing of DKIM: header fields, the header block, line endings, bounded
 * reading of a message from a stream. The DKIM engine, the milter, the smarthost and the sendmail preparation all
 * import it; it imports nothing of postseal.
 */
package org.postseal.message;

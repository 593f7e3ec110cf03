/**
 * The one signing path every front door shares (the milter, the smarthost, {@code postseal sendmail --direct} and
 * {@code postseal sign}): keys read and checked once ({@link org.postseal.signing.SigningKeys}), one signature
 * template ({@link org.postseal.signing.SignatureTemplate}), the choice of signatures for a message
 * ({@link org.postseal.signing.SignatureSelector}) and what to do when a message cannot be signed
 * ({@link org.postseal.signing.OnError}). The doors differ only in how bytes arrive and leave.
 *
 * <p>Imports {@code dkim}, {@code policy}, {@code keys}, {@code files}, {@code logging} and {@code events} (the
 * reason a message is not signed); never a front door,
 * {@code config} or {@code cli}.
 */
package org.postseal.signing;

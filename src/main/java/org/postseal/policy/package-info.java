/**
 * The signing policy, as OpenDKIM's configuration expresses it, as pure immutable values: the KeyTable, the
 * SigningTable, host lists (InternalHosts, PeerList, ExternalIgnoreList), MacroList, the From address, and the
 * {@link org.postseal.policy.SigningPolicy} that decides whether and how a message is signed. Nothing here reads a
 * file, resolves a name or looks at the clock; {@code org.postseal.config} reads the files into these values.
 */
package org.postseal.policy;

/**
 * What happened to mail, as immutable values, and the port that hears it ({@link org.postseal.events.MailEvents}):
 * the milter, the smarthost and the DNS key lookups tell it each outcome, one call per outcome, and know nothing of
 * what listens. The command line plugs in Prometheus ({@code org.postseal.metrics}) or {@link
 * org.postseal.events.MailEvents#NONE}. A leaf: imports nothing of postseal.
 */
package org.postseal.events;

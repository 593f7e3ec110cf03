#!/usr/bin/perl
# Verifies every DKIM-Signature of a message with Mail::DKIM::Verifier, without DNS.
#
#   maildkim_verify.pl MESSAGE KEYS
#
# KEYS holds lines "selector._domainkey.domain<TAB>TXT value" (blank lines and lines
# starting with # are ignored); they become the zone of a Net::DNS::Resolver::Mock
# handed to Mail::DKIM::DNS::resolver. One line is printed per signature, top to
# bottom:
#
#   INDEX d=DOMAIN s=SELECTOR a=ALGORITHM RESULT [(DETAIL)]
#
# where RESULT is Mail::DKIM's (pass, fail, invalid, temperror, none). A signature
# whose algorithm this Mail::DKIM cannot check (Debian 12's 1.20230212 has no
# Ed25519) gets RESULT "unsupported" rather than hiding in "invalid".
#
# Exit status: 0 if there is at least one signature and every one passes, 1 otherwise,
# 2 on a usage or internal error.

use strict;
use warnings;

use Mail::DKIM;
use Mail::DKIM::DNS;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver::Mock;

sub usage {
    print STDERR "usage: maildkim_verify.pl MESSAGE KEYS\n";
    exit 2;
}

sub quoted_strings {
    my ($value) = @_;
    my @chunks = unpack '(a250)*', $value;
    @chunks = ('') unless @chunks;
    return join ' ', map { my $c = $_; $c =~ s/(["\\])/\\$1/g; qq{"$c"} } @chunks;
}

sub load_zone {
    my ($path) = @_;
    open my $keys, '<', $path or die "cannot read $path: $!\n";
    my $zone = '';
    while (my $line = <$keys>) {
        $line =~ s/\r?\n\z//;
        next if $line =~ /\A\s*\z/ || $line =~ /\A#/;
        my ($name, $value) = split /\t/, $line, 2;
        die "$path:$.: expected NAME<TAB>VALUE\n" unless defined $value;
        $name =~ s/\A\s+|\s+\z//g;
        $name =~ s/\.?\z/./;
        $zone .= "$name 300 IN TXT " . quoted_strings($value) . "\n";
    }
    close $keys;
    return $zone;
}

sub main {
    usage() unless @ARGV == 2;
    my ($message_path, $keys_path) = @ARGV;

    my $resolver = Net::DNS::Resolver::Mock->new();
    $resolver->zonefile_parse(load_zone($keys_path));
    Mail::DKIM::DNS::resolver($resolver);

    open my $message, '<:raw', $message_path or die "cannot read $message_path: $!\n";
    my $dkim = Mail::DKIM::Verifier->new();
    while (my $line = <$message>) {
        $line =~ s/\r?\n\z/\r\n/;
        $dkim->PRINT($line);
    }
    close $message;
    $dkim->CLOSE();

    my @signatures = grep { $_->isa('Mail::DKIM::Signature') } $dkim->signatures;
    if (!@signatures) {
        print "no DKIM-Signature header field\n";
        return 1;
    }
    my $passed = 0;
    my $index = 0;
    for my $signature (@signatures) {
        my $result = $signature->result // 'none';
        my $detail = $signature->result_detail // '';
        my $algorithm = $signature->algorithm // '?';
        $detail =~ s/\A\Q$result\E\s*//;
        $detail =~ s/\A\((.*)\)\z/$1/s;
        if ($result ne 'pass' && !eval { $signature->get_algorithm_class($algorithm) }) {
            $detail = "Mail::DKIM $Mail::DKIM::VERSION cannot check $algorithm; it says: $result"
                . (length $detail ? ", $detail" : '');
            $result = 'unsupported';
        }
        $passed++ if $result eq 'pass';
        printf "%d d=%s s=%s a=%s %s%s\n", $index++, $signature->domain // '?',
            $signature->selector // '?', $algorithm, $result,
            length $detail ? " ($detail)" : '';
    }
    return $passed == @signatures ? 0 : 1;
}

my $status = eval { main() };
if (!defined $status) {
    print STDERR "maildkim_verify.pl: $@";
    exit 2;
}
exit $status;

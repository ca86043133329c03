# HMAC-SHA256 (RFC 2104) with sha256sum and the shell's printf only: stock OpenWrt has
# neither od nor openssl, and the key is hex, so its bytes need no od to be read. Bytes are
# written as printf octal escapes (\NNN), because dash's printf has no \x.

# nm_escapes HEX MASK: sets nm_escaped to the printf escapes of the bytes written in HEX,
# each XOR MASK. Three octal digits each, so a following digit is never taken for part of one.
nm_escapes() {
  nm_hex=$1
  nm_escaped=
  while [ -n "$nm_hex" ]; do
    nm_rest=${nm_hex#??}
    nm_byte=$(( 0x${nm_hex%"$nm_rest"} ^ $2 ))
    nm_escaped="$nm_escaped\\$(( nm_byte >> 6 ))$(( (nm_byte >> 3) & 7 ))$(( nm_byte & 7 ))"
    nm_hex=$nm_rest
  done
}

# nm_hmac_key KEYHEX: prepares the padded keys for nm_hmac. A 32-byte key fills half of
# SHA-256's 64-byte block; the other half is zeros.
nm_hmac_key() {
  nm_key=$1
  nm_escapes "${1}0000000000000000000000000000000000000000000000000000000000000000" 54
  nm_ipad=$nm_escaped
  nm_escapes "${1}0000000000000000000000000000000000000000000000000000000000000000" 92
  nm_opad=$nm_escaped
}

# nm_hmac MESSAGE: sets nm_digest to the 64 hex digits of HMAC-SHA256(key, MESSAGE).
# Without sha256sum, openssl does it; sha256sum comes first because openssl would need the
# key on its command line, where any user of the box can read it in ps.
nm_hmac() {
  if [ "$nm_hasher" = openssl ]; then
    nm_digest=$(printf '%s' "$1" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$nm_key")
    nm_digest=${nm_digest##* }
    return
  fi
  # The padded keys are formats on purpose: they hold only escapes, never a %.
  # shellcheck disable=SC2059
  nm_digest=$( { printf "$nm_ipad"; printf '%s' "$1"; } | sha256sum)
  nm_escapes "${nm_digest%% *}" 0
  # shellcheck disable=SC2059
  nm_digest=$( { printf "$nm_opad"; printf "$nm_escaped"; } | sha256sum)
  nm_digest=${nm_digest%% *}
}

if command -v sha256sum >/dev/null 2>&1; then nm_hasher=sha256sum
elif command -v openssl >/dev/null 2>&1; then nm_hasher=openssl
else nm_hasher=
fi

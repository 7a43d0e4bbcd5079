/*
 * test_sha256.c
 *	  base/sha256.c against the FIPS 180-4 / NIST example vectors, the
 *	  million-'a' vector, and every split of a message across updates (the
 *	  64-byte block and 56-byte padding edges).
 */
#include <stdio.h>
#include <string.h>

#include "sha256.h"

#include "check.h"

static void
hex_of(const void *data, size_t len, char out[65])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final_hex(&c, out);
}

static void
test_vectors(void)
{
	char h[65];
	static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char four_blocks[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijk"
									  "lmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	hex_of("", 0, h);
	CHECK(strcmp(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
	hex_of("abc", 3, h);
	CHECK(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
	hex_of(two_blocks, strlen(two_blocks), h);
	CHECK(strcmp(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
	hex_of(four_blocks, strlen(four_blocks), h);
	CHECK(strcmp(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1") == 0);
}

static void
test_million_a(void)
{
	struct sha256 c;
	char chunk[1000];
	char h[65];

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		sha256_update(&c, chunk, sizeof(chunk));
	sha256_final_hex(&c, h);
	CHECK(strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

/* Every length from 0 to 200 bytes, hashed whole and in two parts, agree. */
static void
test_splits(void)
{
	unsigned char msg[200];
	int bad = 0;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char) (i * 7 + 3);
	for (size_t len = 0; len <= sizeof(msg); len++)
	{
		char whole[65];

		hex_of(msg, len, whole);
		for (size_t cut = 0; cut <= len; cut++)
		{
			struct sha256 c;
			char parts[65];

			sha256_init(&c);
			sha256_update(&c, msg, cut);
			sha256_update(&c, msg + cut, len - cut);
			sha256_final_hex(&c, parts);
			bad += strcmp(whole, parts) != 0;
		}
	}
	CHECK(bad == 0);
}

int
main(void)
{
	test_vectors();
	test_million_a();
	test_splits();
	return check_summary();
}

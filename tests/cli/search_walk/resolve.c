/* Resolves one name with getaddrinfo(3) the way an application does, for the search-walk tests.
 *
 * usage: resolve NAME inet|inet6|unspec
 * Prints each address on its own line and exits 0, or prints "error EAI_<NAME>" and exits 2.
 * Built with gcc (glibc) and musl-gcc (musl) so both libraries' resolvers can be compared. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *error_name(int code)
{
	switch (code) {
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_NODATA: return "EAI_NODATA";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	default: return gai_strerror(code);
	}
}

int main(int argc, char **argv)
{
	struct addrinfo hints, *result, *each;
	char text[INET6_ADDRSTRLEN];
	int code;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NAME inet|inet6|unspec\n", argv[0]);
		return 64;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = strcmp(argv[2], "inet") == 0    ? AF_INET
	                  : strcmp(argv[2], "inet6") == 0 ? AF_INET6
	                                                  : AF_UNSPEC;
	/* One result per address, and no AI_ADDRCONFIG: the sandbox has only a loopback interface. */
	hints.ai_socktype = SOCK_STREAM;
	code = getaddrinfo(argv[1], NULL, &hints, &result);
	if (code != 0) {
		printf("error %s\n", error_name(code));
		return 2;
	}
	for (each = result; each; each = each->ai_next) {
		const void *address = each->ai_family == AF_INET
		                          ? (const void *)&((struct sockaddr_in *)each->ai_addr)->sin_addr
		                          : (const void *)&((struct sockaddr_in6 *)each->ai_addr)->sin6_addr;
		inet_ntop(each->ai_family, address, text, sizeof text);
		printf("%s\n", text);
	}
	freeaddrinfo(result);
	return 0;
}

/* A DNS server that answers every UDP query with an empty reply and a fixed response code per
 * question type, to stand behind dnsmasq for the failures dnsmasq never produces by itself.
 *
 * usage: upstream IPV4-ADDRESS A-RCODE AAAA-RCODE
 * Binds port 53 of the address, then forks: the parent prints the server's process id and exits,
 * so the server is ready when the command returns; the server runs until killed. Questions of
 * type A get A-RCODE, of type AAAA get AAAA-RCODE (0 NOERROR, i.e. no data; 2 SERVFAIL;
 * 3 NXDOMAIN; 4 NOTIMP; 5 REFUSED; -1 no reply at all), others SERVFAIL. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The question type of a query, or 0 when the packet is malformed. */
static int question_type(const unsigned char *packet, ssize_t len)
{
	ssize_t at = 12;

	while (at < len && packet[at] != 0)
		at += 1 + packet[at];
	if (at + 3 > len)
		return 0;
	return packet[at + 1] << 8 | packet[at + 2];
}

int main(int argc, char **argv)
{
	struct sockaddr_in address, peer;
	socklen_t peer_len;
	unsigned char packet[512];
	ssize_t len;
	int fd, type, rcode;
	pid_t server;

	if (argc != 4) {
		fprintf(stderr, "usage: %s IPV4-ADDRESS A-RCODE AAAA-RCODE\n", argv[0]);
		return 64;
	}
	memset(&address, 0, sizeof address);
	address.sin_family = AF_INET;
	address.sin_port = htons(53);
	if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) {
		fprintf(stderr, "upstream: not an IPv4 address: %s\n", argv[1]);
		return 64;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) < 0) {
		perror("upstream: bind");
		return 1;
	}
	server = fork();
	if (server < 0) {
		perror("upstream: fork");
		return 1;
	}
	if (server > 0) {
		printf("%d\n", (int)server);
		return 0;
	}
	close(STDOUT_FILENO); /* the caller reads the parent's output until it ends */
	for (;;) {
		peer_len = sizeof peer;
		len = recvfrom(fd, packet, sizeof packet, 0, (struct sockaddr *)&peer, &peer_len);
		type = question_type(packet, len);
		if (type == 0)
			continue;
		rcode = type == 1 ? atoi(argv[2]) : type == 28 ? atoi(argv[3]) : 2;
		if (rcode < 0)
			continue;
		packet[2] = (packet[2] & 0x79) | 0x80; /* QR=1; keep opcode and RD; AA=TC=0 */
		packet[3] = 0x80 | (rcode & 15);      /* RA=1 */
		memset(packet + 6, 0, 6);             /* no answer, authority or additional records */
		sendto(fd, packet, (size_t)len, 0, (struct sockaddr *)&peer, peer_len);
	}
}

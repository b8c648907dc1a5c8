
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'meshdig' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'meshdig'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'meshdig' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Ask kube-dns, the sidecar and the control plane one question, diff the answers against the objects and explain every difference')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Capture a live cluster (objects, mesh settings, name table, every layer''s answers) into a snapshot file that `meshdig diff --snapshot` replays offline: the reproducible case for a bug report. `meshdig snapshot show FILE` lists what a snapshot holds')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Run a file of expectations (YAML or JSON) against a live cluster or a snapshot: exit 1 when one fails, with a readable reason, JSON and JUnit for CI')
            [CompletionResult]::new('resolvconf', 'resolvconf', [CompletionResultType]::ParameterValue, 'Print a pod''s resolv.conf as the kubelet writes it (dnsPolicy, dnsConfig, the node''s search domains, the kubelet''s limits), from a live cluster or a snapshot')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Diff every Service, headless per-pod name and ServiceEntry host a workload can see, in a namespace or everywhere, and summarise the findings by code')
            [CompletionResult]::new('dig', 'dig', [CompletionResultType]::ParameterValue, 'Ask one layer one exact question and print the whole reply like dig: header, flags, EDNS, question, answer, authority and additional sections, query time')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding code offline: what it means, when meshdig reports it, its evidence and what to do. Without a code, list the codes')
            break
        }
        'meshdig;diff' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …); repeat for several [default: A, or PTR when NAME is an IP address]')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …); repeat for several [default: A, or PTR when NAME is an IP address]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The pod the question is asked from: pod/NAME, deploy/NAME or a pod name')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of --from, and of relative names [default: the context''s namespace, or "default" with --snapshot]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of --from, and of relative names [default: the context''s namespace, or "default" with --snapshot]')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Replay this snapshot file (- reads standard input) instead of asking a live cluster')
            [CompletionResult]::new('--libc', '--libc', [CompletionResultType]::ParameterName, 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with')
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster DNS domain')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on each DNS layer''s answer and on the control plane''s reply')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster')
            [CompletionResult]::new('--kube-dns', '--kube-dns', [CompletionResultType]::ParameterName, 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS')
            [CompletionResult]::new('--sidecar', '--sidecar', [CompletionResultType]::ParameterName, 'Ask the pod''s mesh DNS proxy at this address (the mesh''s port unless given, e.g. 15053 for Istio''s sidecar) instead of through a port-forward')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Read the mesh control plane''s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh''s port unless given, e.g. 15014 for istiod) instead of through port-forwards')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdig;snapshot' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'The record types to ask for each name (repeat for several) [default: A, or PTR for an IP address]')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'The record types to ask for each name (repeat for several) [default: A, or PTR for an IP address]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The pod the questions are asked from: pod/NAME, deploy/NAME or a pod name')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of --from, and of relative names [default: the context''s namespace]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of --from, and of relative names [default: the context''s namespace]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The snapshot file to write; - writes it to standard output')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster DNS domain')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on each DNS layer''s answer and on the control plane''s reply')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster')
            [CompletionResult]::new('--kube-dns', '--kube-dns', [CompletionResultType]::ParameterName, 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS')
            [CompletionResult]::new('--sidecar', '--sidecar', [CompletionResultType]::ParameterName, 'Ask the pod''s mesh DNS proxy at this address (the mesh''s port unless given, e.g. 15053 for Istio''s sidecar) instead of through a port-forward')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Read the mesh control plane''s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh''s port unless given, e.g. 15014 for istiod) instead of through port-forwards')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'List what a snapshot holds: its cluster and mesh, objects by kind, proxies and their name tables, and every recorded question with each source''s answer')
            break
        }
        'meshdig;snapshot;show' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdig;check' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The expectations: YAML, or JSON when the name ends in .json; - reads standard input')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The expectations: YAML, or JSON when the name ends in .json; - reads standard input')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Check this snapshot (- reads standard input) instead of a live cluster')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of expectations that name none [default: the file''s defaults, then the context''s]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of expectations that name none [default: the file''s defaults, then the context''s]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here, for CI systems; - writes it to standard output in place of the report')
            [CompletionResult]::new('--libc', '--libc', [CompletionResultType]::ParameterName, 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with')
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster DNS domain')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on each DNS layer''s answer and on the control plane''s reply')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster')
            [CompletionResult]::new('--kube-dns', '--kube-dns', [CompletionResultType]::ParameterName, 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS')
            [CompletionResult]::new('--sidecar', '--sidecar', [CompletionResultType]::ParameterName, 'Ask the pod''s mesh DNS proxy at this address (the mesh''s port unless given, e.g. 15053 for Istio''s sidecar) instead of through a port-forward')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Read the mesh control plane''s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh''s port unless given, e.g. 15014 for istiod) instead of through port-forwards')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdig;resolvconf' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The pod: pod/NAME, deploy/NAME or a pod name')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The pod''s namespace [default: the context''s namespace, or "default" with --snapshot]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The pod''s namespace [default: the context''s namespace, or "default" with --snapshot]')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Read the pod from this snapshot (- reads standard input) instead of a live cluster')
            [CompletionResult]::new('--node-resolv-conf', '--node-resolv-conf', [CompletionResultType]::ParameterName, 'The node''s resolv.conf (the kubelet''s --resolv-conf; - reads standard input), whose search domains follow the cluster''s')
            [CompletionResult]::new('--limits', '--limits', [CompletionResultType]::ParameterName, 'The kubelet''s search list limits: expanded (32 domains, 2048 characters) or legacy (6, 256)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster DNS domain')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdig;audit' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Audit the names of this namespace (also the namespace of --from) [default: the context''s, or "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Audit the names of this namespace (also the namespace of --from) [default: the context''s, or "default"]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The workload whose view is audited: pod/NAME, deploy/NAME or a pod name')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Audit this snapshot (- reads standard input) instead of a live cluster; names it holds no answers for are counted apart')
            [CompletionResult]::new('--libc', '--libc', [CompletionResultType]::ParameterName, 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with')
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster DNS domain')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on each DNS layer''s answer and on the control plane''s reply')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster')
            [CompletionResult]::new('--kube-dns', '--kube-dns', [CompletionResultType]::ParameterName, 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS')
            [CompletionResult]::new('--sidecar', '--sidecar', [CompletionResultType]::ParameterName, 'Ask the pod''s mesh DNS proxy at this address (the mesh''s port unless given, e.g. 15053 for Istio''s sidecar) instead of through a port-forward')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Read the mesh control plane''s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh''s port unless given, e.g. 15014 for istiod) instead of through port-forwards')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Audit the names of every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Audit the names of every namespace')
            [CompletionResult]::new('--as-typed', '--as-typed', [CompletionResultType]::ParameterName, 'Ask each name as an app in the workload''s namespace types it (`svc`, `svc.ns`, a ServiceEntry host without the dot), walked by --libc, instead of fully qualified')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdig;dig' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The port to ask @IP and @localhost on, as dig''s -p [default: 53]')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Ask the reverse name of this address (PTR), as dig''s -x')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'The record type, as dig''s -t (instead of a TYPE word)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The pod whose layer @sidecar and @control-plane ask: pod/NAME, deploy/NAME or a pod name')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of --from [default: the context''s namespace]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of --from [default: the context''s namespace]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster DNS domain')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on each DNS layer''s answer and on the control plane''s reply')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster')
            [CompletionResult]::new('--kube-dns', '--kube-dns', [CompletionResultType]::ParameterName, 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS')
            [CompletionResult]::new('--sidecar', '--sidecar', [CompletionResultType]::ParameterName, 'Ask the pod''s mesh DNS proxy at this address (the mesh''s port unless given, e.g. 15053 for Istio''s sidecar) instead of through a port-forward')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Read the mesh control plane''s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh''s port unless given, e.g. 15014 for istiod) instead of through port-forwards')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only, as dig''s -4: @localhost is 127.0.0.1, and an IPv6 @IP is refused')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only, as dig''s -6: @localhost is ::1, and an IPv4 @IP is refused')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdig;explain' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format, in any case: table (for people), wide (more columns), json or yaml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

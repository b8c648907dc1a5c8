# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_meshdig_global_optspecs
    string join \n color= h/help V/version
end

function __fish_meshdig_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_meshdig_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_meshdig_using_subcommand
    set -l cmd (__fish_meshdig_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c meshdig -n "__fish_meshdig_needs_command" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_needs_command" -s h -l help -d 'Print help'
complete -c meshdig -n "__fish_meshdig_needs_command" -s V -l version -d 'Print version'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "diff" -d 'Ask kube-dns, the sidecar and the control plane one question, diff the answers against the objects and explain every difference'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the project\'s own checks)'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s t -l type -d 'The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …)' -r
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l from -d 'The pod the question is asked from: pod/NAME, deploy/NAME or a pod name' -r
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s n -l namespace -d 'The namespace of --from, and of relative names' -r
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l snapshot -d 'Read the cluster, the mesh and the recorded answers from this snapshot file (format: docs/snapshot.md)' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s o -l output -d 'Output format: a table, a wide table with origins and notes, or JSON (docs/json.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s h -l help -d 'Print help'
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s V -l version -d 'Print version'
complete -c meshdig -n "__fish_meshdig_using_subcommand generate" -l out-dir -d 'The directory that receives `completions/` and `man/`' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand generate" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand generate" -s h -l help -d 'Print help'
complete -c meshdig -n "__fish_meshdig_using_subcommand generate" -s V -l version -d 'Print version'
complete -c meshdig -n "__fish_meshdig_using_subcommand help; and not __fish_seen_subcommand_from diff generate help" -f -a "diff" -d 'Ask kube-dns, the sidecar and the control plane one question, diff the answers against the objects and explain every difference'
complete -c meshdig -n "__fish_meshdig_using_subcommand help; and not __fish_seen_subcommand_from diff generate help" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the project\'s own checks)'
complete -c meshdig -n "__fish_meshdig_using_subcommand help; and not __fish_seen_subcommand_from diff generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

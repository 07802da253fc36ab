"""The SSH communicator: paramiko connections, remote commands, scp and sftp transfers, key pairs."""

#!/bin/sh
echo hello from the target
